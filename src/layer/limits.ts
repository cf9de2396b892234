import { MiniboxError } from '../util/errors.js';

/**
 * Caps on what one layer may unpack to, so a decompression bomb (a few KB of gzip or zstd
 * inflating to terabytes of tar, or millions of empty entries) is stopped while it
 * streams rather than when the disk is full. Set by environment variables, as minibox's
 * other knobs are (MINIBOX_ROOT, MINIBOX_TRACE): there is no config file to add one to.
 *
 * The defaults are far above real images — the largest public layers (CUDA and ML
 * images) are ~10-20 GB and ~500k files — so only hostile or broken layers meet them.
 * Bytes count the uncompressed tar stream (headers, padding and anything after the end
 * marker included: all of it is read and hashed), which bounds file content too.
 */
export interface LayerLimits {
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = { maxBytes: 64 * 2 ** 30, maxEntries: 4 * 2 ** 20 };

export const BYTES_VAR = 'MINIBOX_MAX_LAYER_BYTES';
export const ENTRIES_VAR = 'MINIBOX_MAX_LAYER_ENTRIES';

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n === 0) {
    throw new MiniboxError(`invalid ${name} "${raw}": must be a positive whole number`);
  }
  return n;
}

/** The limits in effect: the defaults, overridden by the environment. */
export function layerLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): LayerLimits {
  return {
    maxBytes: positive(env, BYTES_VAR, DEFAULT_LAYER_LIMITS.maxBytes),
    maxEntries: positive(env, ENTRIES_VAR, DEFAULT_LAYER_LIMITS.maxEntries),
  };
}

export function tooManyBytes(limit: number): MiniboxError {
  return new MiniboxError(`layer unpacks to more than ${limit} bytes, the limit (${BYTES_VAR} raises it)`);
}

export function tooManyEntries(limit: number): MiniboxError {
  return new MiniboxError(`layer has more than ${limit} entries, the limit (${ENTRIES_VAR} raises it)`);
}
