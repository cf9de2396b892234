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
