import { MiniboxError } from '../util/errors.js';

/**
 * A numeric PAX record of a layer tar (size, uid, gid, mtime, atime), strictly: decimal
 * ASCII, as POSIX defines them. Refusing the rest matters for `size`, which says how many
 * bytes of the stream are the next entry's body: "1.5", "-1" or "1e400" would desync or
 * stall the reader. Whole numbers for sizes and ids, times may have a fraction; Number()
 * alone would also take "", " 1", "1e9", "0x10" and "Infinity".
 */
const WHOLE = /^[0-9]+$/;
const TIME = /^[0-9]+(\.[0-9]+)?$/;
const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to chown(2)

/** The record `key` of `pax` as a number, `fallback` when absent; `name` (the entry's) is for the error. */
export function paxNumber(pax: Map<string, Buffer>, key: string, fallback: number, name: string): number {
  const v = pax.get(key);
  if (v === undefined) return fallback;
  const s = v.toString('latin1');
  const n = Number(s);
  const time = key === 'mtime' || key === 'atime';
  const max = key === 'uid' || key === 'gid' ? MAX_ID : Number.MAX_SAFE_INTEGER;
  if (!(time ? TIME : WHOLE).test(s) || !Number.isFinite(n) || n > max) {
    const what = time ? 'a decimal number of seconds' : key === 'size' ? 'a whole number of bytes' : 'a whole number';
    throw new MiniboxError(`layer tar entry "${name}" has an invalid PAX ${key} ${JSON.stringify(s.slice(0, 40))}: not ${what}`);
  }
  return n;
}
