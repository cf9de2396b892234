import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HugepageLimit } from '../types.js';
import { writeControl } from '../files.js';
import { hugetlbWrites } from '../hugetlb.js';

/** v1 hugetlb: hugetlb.<size>.limit_in_bytes (and .rsvd. where the kernel has it). */
export function applyHugetlb(dir: string, limits: HugepageLimit[]): void {
  const rsvd = limits.length > 0 && existsSync(path.join(dir, `hugetlb.${limits[0]!.pageSize}.rsvd.limit_in_bytes`));
  for (const [file, value] of hugetlbWrites(limits, 'v1', rsvd)) writeControl(dir, file, value);
}
