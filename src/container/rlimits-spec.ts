import { MiniboxError } from '../util/errors.js';
import { expectObject, reqString } from '../util/json.js';
import type { OciRlimit } from './ulimits.js';

/** config.json process.rlimits, validated (spec-read.ts). */
export function parseOciRlimits(v: unknown, what: string): OciRlimit[] {
  if (!Array.isArray(v)) throw new MiniboxError(`invalid ${what}: expected an array`);
  return v.map((item) => {
    const o = expectObject(item, what);
    const type = reqString(o, 'type', what);
    if (!/^RLIMIT_[A-Z]+$/.test(type) || !Number.isSafeInteger(o.soft) || !Number.isSafeInteger(o.hard)) {
      throw new MiniboxError(`invalid ${what}: bad entry ${JSON.stringify(item)}`);
    }
    return { type, soft: Number(o.soft), hard: Number(o.hard) };
  });
}
