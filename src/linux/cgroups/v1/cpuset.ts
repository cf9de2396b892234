import path from 'node:path';
import type { Limits } from '../types.js';
import { readControlOr, writeControl } from '../files.js';

/**
 * v1 cpuset: a new cpuset cgroup starts with empty cpus and mems, and a task cannot join it
 * until both are set, so every level we create inherits its parent's before use.
 */
export function inheritCpuset(dir: string): void {
  const parent = path.dirname(dir);
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (readControlOr(dir, file) === '') writeControl(dir, file, readControlOr(parent, file));
  }
}

export function applyCpuset(dir: string, l: Limits): void {
  if (l.cpusetCpus !== undefined) writeControl(dir, 'cpuset.cpus', l.cpusetCpus);
}
