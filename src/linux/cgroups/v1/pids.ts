import type { Limits } from '../types.js';
import { readControlOr, writeControl } from '../files.js';

export function applyPids(dir: string, l: Limits): void {
  if (l.pids !== undefined) writeControl(dir, 'pids.max', l.pids > 0 ? l.pids : 'max');
}

export function pidsCurrent(dir: string): number {
  return Number(readControlOr(dir, 'pids.current', '0'));
}
