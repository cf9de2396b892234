import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ControlWrite } from './blockio.js';
import { writeControl } from './files.js';
import type { HugepageLimit } from './types.js';

/**
 * OCI linux.resources.hugepageLimits as hugetlb file writes (runc's fs/hugetlb.go and
 * fs2/hugetlb.go): v1 hugetlb.<size>.limit_in_bytes, v2 hugetlb.<size>.max, and the same
 * limit on the reservation file (hugetlb.<size>.rsvd.*, kernel ≥ 5.7) where it exists, so a
 * reserved-but-unfaulted page counts too.
 */
export function hugetlbWrites(limits: HugepageLimit[], kind: 'v1' | 'v2', rsvd: boolean): ControlWrite[] {
  const suffix = kind === 'v1' ? 'limit_in_bytes' : 'max';
  const out: ControlWrite[] = [];
  for (const l of limits) {
    out.push([`hugetlb.${l.pageSize}.${suffix}`, String(l.limit)]);
    if (rsvd) out.push([`hugetlb.${l.pageSize}.rsvd.${suffix}`, String(l.limit)]);
  }
  return out;
}

/** Write them into a cgroup dir of either hierarchy (the .rsvd. files where the kernel has them). */
export function applyHugetlb(dir: string, limits: HugepageLimit[], kind: 'v1' | 'v2'): void {
  const suffix = kind === 'v1' ? 'limit_in_bytes' : 'max';
  const rsvd = limits.length > 0 && existsSync(path.join(dir, `hugetlb.${limits[0]!.pageSize}.rsvd.${suffix}`));
  for (const [file, value] of hugetlbWrites(limits, kind, rsvd)) writeControl(dir, file, value);
}
