import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BlockIO } from '../types.js';
import { bfqPerDevice, ioWrites, writeExisting } from '../blockio.js';
import { readControlOr } from '../files.js';

/** Bytes read and written, summed over devices, from io.stat ("8:0 rbytes=… wbytes=…"). */
export function ioBytes(dir: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of readControlOr(dir, 'io.stat').matchAll(/\b(rbytes|wbytes)=(\d+)/g)) {
    if (m[1] === 'rbytes') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { read, write };
}

/** v2 io limits (blockio.ts ioWrites): BFQ's io.bfq.weight when there, else io.weight converted. */
export function applyIo(dir: string, b: BlockIO): void {
  const bfqText = readControlOr(dir, 'io.bfq.weight');
  const files = { bfq: existsSync(path.join(dir, 'io.bfq.weight')), bfqPerDevice: bfqPerDevice(bfqText) };
  writeExisting(dir, ioWrites(b, files));
}
