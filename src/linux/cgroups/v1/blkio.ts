import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BlockIO } from '../types.js';
import { blkioWrites, writeExisting } from '../blockio.js';
import { readControlOr } from '../files.js';

/** Bytes read and written from blkio.throttle.io_service_bytes ("8:0 Read N" lines). */
export function ioBytes(dir: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const m of readControlOr(dir, 'blkio.throttle.io_service_bytes').matchAll(/^\S+ (Read|Write) (\d+)$/gm)) {
    if (m[1] === 'Read') read += Number(m[2]);
    else write += Number(m[2]);
  }
  return { read, write };
}

/** v1 blkio limits (blockio.ts blkioWrites): BFQ's weight files when this kernel has them. */
export function applyBlkio(dir: string, b: BlockIO): void {
  const bfq = existsSync(path.join(dir, 'blkio.bfq.weight'));
  writeExisting(dir, blkioWrites(b, bfq));
}
