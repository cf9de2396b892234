import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseCpuList, type HostFacts } from '../container/resources.js';

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
