import type { Limits } from '../types.js';
import { writeControl } from '../files.js';

export function applyCpuset(dir: string, l: Limits): void {
  if (l.cpusetCpus !== undefined) writeControl(dir, 'cpuset.cpus', l.cpusetCpus);
}
