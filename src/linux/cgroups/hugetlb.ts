import type { ControlWrite } from './blockio.js';
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
