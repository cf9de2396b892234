import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { MiniboxError } from '../util/errors.js';

export interface HostFacts {
  cpus: number; // online CPUs
  cpuList: number[]; // their numbers
}

/**
 * The kernel's CPU list format ("0-2,5"), as /sys/devices/system/cpu/online and
 * --cpuset-cpus write it; Docker's wording for a bad one.
 */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new MiniboxError(`Invalid value ${list} for cpuset cpus`);
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    if (hi < lo) throw new MiniboxError(`Invalid value ${list} for cpuset cpus`);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** The CPUs this host offers, for validating --cpus and --cpuset-cpus. */
export function hostFacts(): HostFacts {
  let cpuList: number[];
  try {
    cpuList = parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8').trim());
  } catch {
    cpuList = cpus().map((_, i) => i);
  }
  return { cpus: cpuList.length, cpuList };
}
