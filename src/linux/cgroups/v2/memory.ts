import type { Limits } from '../types.js';
import { readControlOr, readKeyed, writeControl } from '../files.js';

/** v2 memory: memory.max, memory.swap.max (swap only, unlike v1's memsw), memory.low. */
export function applyMemory(dir: string, l: Limits): void {
  if (l.memory !== undefined) writeControl(dir, 'memory.max', l.memory);
  if (l.memory !== undefined || l.memorySwap !== undefined) {
    const swap = swapOnly(l);
    if (swap !== undefined) writeControl(dir, 'memory.swap.max', swap);
  }
  if (l.memoryReservation !== undefined) writeControl(dir, 'memory.low', l.memoryReservation);
}

/** Docker: --memory-swap is memory+swap; unset means swap = memory; -1 means unlimited. */
function swapOnly(l: Limits): string | number | undefined {
  if (l.memorySwap === -1) return 'max';
  if (l.memorySwap !== undefined && l.memory !== undefined) return Math.max(0, l.memorySwap - l.memory);
  if (l.memory !== undefined) return l.memory;
  return undefined;
}

export function memoryStats(dir: string): { usage: number; limit: number; oomKills: number } {
  const max = readControlOr(dir, 'memory.max', 'max');
  return {
    usage: Number(readControlOr(dir, 'memory.current', '0')),
    limit: max === 'max' ? Number.POSITIVE_INFINITY : Number(max),
    oomKills: readKeyed(dir, 'memory.events').get('oom_kill') ?? 0,
  };
}
