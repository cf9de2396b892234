import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerCgroup } from './types.js';

/**
 * The limits a container's cgroup holds now, read back from the kernel's files (what the
 * drivers wrote at create and `update`): v1 memory.limit_in_bytes, cpu.cfs_quota_us/period,
 * cpu.shares, pids.max; v2 memory.max, cpu.max, cpu.weight, pids.max. Undefined: no limit, or
 * the controller is not there.
 */
export interface CgroupLimits {
  memoryBytes?: number;
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  cpuShares?: number; // v1 cpu.shares
  cpuWeight?: number; // v2 cpu.weight
  pids?: number;
}

// v1 writes "no limit" as the largest page-aligned value below 2^63
const V1_UNLIMITED = 2 ** 62;

function readIn(dirs: readonly string[], file: string): string | undefined {
  for (const dir of dirs) {
    try {
      return readFileSync(path.join(dir, file), 'utf8').trim();
    } catch {
      // not this hierarchy's file
    }
  }
  return undefined;
}

const num = (s: string | undefined): number | undefined => (s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined);

export function readCgroupLimits(cg: ContainerCgroup): CgroupLimits {
  const dirs = cg.joinPaths;
  const out: CgroupLimits = {};
  if (cg.kind === 'v1') {
    const mem = num(readIn(dirs, 'memory.limit_in_bytes'));
    if (mem !== undefined && mem < V1_UNLIMITED) out.memoryBytes = mem;
    const quota = num(readIn(dirs, 'cpu.cfs_quota_us'));
    if (quota !== undefined && quota > 0) out.cpuQuotaUs = quota;
    const period = num(readIn(dirs, 'cpu.cfs_period_us'));
    if (period !== undefined) out.cpuPeriodUs = period;
    const shares = num(readIn(dirs, 'cpu.shares'));
    if (shares !== undefined) out.cpuShares = shares;
  } else {
    const mem = num(readIn(dirs, 'memory.max'));
    if (mem !== undefined) out.memoryBytes = mem;
    const [quota, period] = (readIn(dirs, 'cpu.max') ?? '').split(' ');
    if (num(quota) !== undefined) out.cpuQuotaUs = num(quota);
    if (num(period) !== undefined) out.cpuPeriodUs = num(period);
    const weight = num(readIn(dirs, 'cpu.weight'));
    if (weight !== undefined) out.cpuWeight = weight;
  }
  const pids = num(readIn(dirs, 'pids.max'));
  if (pids !== undefined) out.pids = pids;
  return out;
}
