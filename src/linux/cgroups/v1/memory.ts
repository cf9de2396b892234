import type { Limits } from '../types.js';
import { readControlOr, writeControl } from '../files.js';

/**
 * v1 memory: memory.limit_in_bytes, memory.memsw.limit_in_bytes (memory+swap, as Docker's
 * --memory-swap; absent when the kernel has no swap accounting), memory.soft_limit_in_bytes.
 * memsw must never be below limit, so the order of the two writes depends on the direction.
 */
export function applyMemory(dir: string, l: Limits): void {
  const memsw = l.memorySwap === -1 ? -1 : (l.memorySwap ?? (l.memory !== undefined ? l.memory * 2 : undefined));
  const hasMemsw = readControlOr(dir, 'memory.memsw.limit_in_bytes') !== '';
  const currentLimit = Number(readControlOr(dir, 'memory.limit_in_bytes', '0'));
  const lowering = l.memory !== undefined && l.memory < currentLimit;
  if (lowering || !hasMemsw) setLimit(dir, l.memory);
  if (hasMemsw && memsw !== undefined) writeControl(dir, 'memory.memsw.limit_in_bytes', memsw);
  if (!lowering && hasMemsw) setLimit(dir, l.memory);
  if (l.memoryReservation !== undefined) writeControl(dir, 'memory.soft_limit_in_bytes', l.memoryReservation);
}

function setLimit(dir: string, memory: number | undefined): void {
  if (memory !== undefined) writeControl(dir, 'memory.limit_in_bytes', memory);
}

export function memoryStats(dir: string): { usage: number; limit: number; oomKills: number } {
  const oom = /oom_kill (\d+)/.exec(readControlOr(dir, 'memory.oom_control'));
  return {
    usage: Number(readControlOr(dir, 'memory.usage_in_bytes', '0')),
    limit: Number(readControlOr(dir, 'memory.limit_in_bytes', '0')),
    oomKills: oom ? Number(oom[1]) : 0,
  };
}
