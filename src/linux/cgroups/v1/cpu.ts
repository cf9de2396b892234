import type { Limits } from '../types.js';
import { readControlOr, writeControl } from '../files.js';

/** v1 cpu: CFS bandwidth (cfs_period_us, cfs_quota_us; -1 = unlimited) and cpu.shares. */
export function applyCpu(dir: string, l: Limits): void {
  if (l.cpuPeriod !== undefined) writeControl(dir, 'cpu.cfs_period_us', l.cpuPeriod);
  if (l.cpuQuota !== undefined) writeControl(dir, 'cpu.cfs_quota_us', l.cpuQuota > 0 ? l.cpuQuota : -1);
  if (l.cpuShares !== undefined) writeControl(dir, 'cpu.shares', l.cpuShares);
}

/** cpuacct.usage: nanoseconds of CPU time (its own hierarchy when not co-mounted with cpu). */
export function cpuUsageNs(cpuacctDir: string): number {
  return Number(readControlOr(cpuacctDir, 'cpuacct.usage', '0'));
}
