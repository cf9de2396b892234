import type { Limits } from '../types.js';
import { readKeyed, writeControl } from '../files.js';

/** v2 cpu: cpu.max "quota period" and cpu.weight (1..10000) mapped from Docker's shares. */
export function applyCpu(dir: string, l: Limits): void {
  if (l.cpuQuota !== undefined || l.cpuPeriod !== undefined) {
    const period = l.cpuPeriod ?? 100_000;
    writeControl(dir, 'cpu.max', `${l.cpuQuota !== undefined && l.cpuQuota > 0 ? l.cpuQuota : 'max'} ${period}`);
  }
  if (l.cpuShares !== undefined) writeControl(dir, 'cpu.weight', sharesToWeight(l.cpuShares));
}

/** The conversion runc and crun use: shares 2..262144 onto weight 1..10000. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142); // integer division, as runc
}

export function cpuUsageNs(dir: string): number {
  return (readKeyed(dir, 'cpu.stat').get('usage_usec') ?? 0) * 1000;
}
