import type { Limits } from '../linux/cgroups/types.js';
import { MiniboxError } from '../util/errors.js';
import { parseCpuList, type HostFacts } from '../linux/host.js';

export { parseCpuList, type HostFacts };

/**
 * Docker's resource flags (-m, --memory-swap, --memory-reservation, --cpus, --cpu-shares,
 * --cpu-period, --cpu-quota, --cpuset-cpus, --pids-limit) turned into cgroup Limits, with
 * Docker's validation and wording. Pure, so every rule is unit-tested.
 */
export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpusetCpus?: string;
  pidsLimit?: string;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: "64m", "1.5g", "512kb", "100" (bytes); binary units. */
export function parseSize(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(value.trim());
  if (!m) throw new MiniboxError(`invalid argument "${value}" for "${flag}" flag: invalid size: '${value}'`);
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
}

function parseIntFlag(value: string, flag: string): number {
  if (!/^-?\d+$/.test(value)) throw new MiniboxError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  return Number(value);
}

const MIN_MEMORY = 6 * 1024 * 1024;

function memoryLimits(f: ResourceFlags): Limits {
  const l: Limits = {};
  if (f.memory !== undefined) l.memory = parseSize(f.memory, '-m, --memory');
  if (f.memorySwap !== undefined) l.memorySwap = f.memorySwap === '-1' ? -1 : parseSize(f.memorySwap, '--memory-swap');
  if (f.memoryReservation !== undefined) l.memoryReservation = parseSize(f.memoryReservation, '--memory-reservation');
  if (l.memory !== undefined && l.memory > 0 && l.memory < MIN_MEMORY) throw new MiniboxError('Minimum memory limit allowed is 6MB');
  if (l.memorySwap !== undefined && l.memorySwap !== -1) {
    if (l.memory === undefined) throw new MiniboxError('You should always set the Memory limit when using Memoryswap limit, see usage');
    if (l.memorySwap < l.memory) throw new MiniboxError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (l.memory !== undefined && l.memoryReservation !== undefined && l.memory < l.memoryReservation) {
    throw new MiniboxError('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  return l;
}

function cpuLimits(f: ResourceFlags, host: HostFacts): Limits {
  const l: Limits = {};
  if (f.cpus !== undefined) {
    if (f.cpuPeriod !== undefined || f.cpuQuota !== undefined) {
      throw new MiniboxError('Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set');
    }
    const cpus = Number(f.cpus);
    if (!/^\d*\.?\d+$/.test(f.cpus) || !Number.isFinite(cpus)) throw new MiniboxError(`invalid argument "${f.cpus}" for "--cpus" flag: failed to parse ${f.cpus} as a rational number`);
    if (cpus < 0.01 || cpus > host.cpus) {
      throw new MiniboxError(`Range of CPUs is from 0.01 to ${host.cpus.toFixed(2)}, as there are only ${host.cpus} CPUs available`);
    }
    l.cpuPeriod = 100_000;
    l.cpuQuota = Math.round(cpus * 100_000);
  }
  if (f.cpuPeriod !== undefined) {
    l.cpuPeriod = parseIntFlag(f.cpuPeriod, '--cpu-period');
    if (l.cpuPeriod < 1000 || l.cpuPeriod > 1_000_000) throw new MiniboxError('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1 second (i.e. 1000000)');
  }
  if (f.cpuQuota !== undefined) {
    l.cpuQuota = parseIntFlag(f.cpuQuota, '--cpu-quota');
    if (l.cpuQuota > 0 && l.cpuQuota < 1000) throw new MiniboxError('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  }
  if (f.cpuShares !== undefined) {
    const shares = parseIntFlag(f.cpuShares, '-c, --cpu-shares');
    if (shares !== 0) l.cpuShares = Math.min(262144, Math.max(2, shares)); // Docker clamps like the kernel
  }
  if (f.cpusetCpus !== undefined) {
    const wanted = parseCpuList(f.cpusetCpus);
    if (!wanted.every((c) => host.cpuList.includes(c))) {
      throw new MiniboxError(`Requested CPUs are not available - requested ${f.cpusetCpus}, available: ${formatCpuList(host.cpuList)}`);
    }
    l.cpusetCpus = f.cpusetCpus;
  }
  return l;
}

function formatCpuList(cpus: number[]): string {
  if (cpus.length === 0) return '';
  const first = cpus[0] ?? 0;
  const last = cpus[cpus.length - 1] ?? 0;
  return cpus.length === last - first + 1 ? (first === last ? `${first}` : `${first}-${last}`) : cpus.join(',');
}

export function parseResources(f: ResourceFlags, host: HostFacts): Limits {
  const l: Limits = { ...memoryLimits(f), ...cpuLimits(f, host) };
  if (f.pidsLimit !== undefined) l.pids = parseIntFlag(f.pidsLimit, '--pids-limit');
  return l;
}
