import { MiniboxError } from '../util/errors.js';
import { parseRegistryErrors, type RegistryErrorEntry } from './types.js';

/**
 * Registry failures turned into the one-line messages Docker prints, since users and
 * scripts know them: "pull access denied for x, …", "manifest for x:y not found: …",
 * "toomanyrequests: …". Registries hide unknown private repositories behind
 * UNAUTHORIZED/DENIED on purpose, so those read the same as NAME_UNKNOWN.
 */
export type Operation = 'ping' | 'manifest' | 'blob' | 'push';

export interface ErrorContext {
  op: Operation;
  name: string; // the repository as the user knows it: busybox, 127.0.0.1:5000/test/app
  reference?: string; // tag or digest
  anonymous: boolean;
}

export interface HttpFailure {
  status: number;
  statusText: string;
  retryAfter: string | null;
  body: string;
}

const ACCESS_CODES = new Set(['NAME_UNKNOWN', 'UNAUTHORIZED', 'DENIED']);

/** `MANIFEST_UNKNOWN` → `manifest unknown`, the errcode's own description in distribution. */
function codeText(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}

/** Seconds until the registry lets us in again, from `Retry-After` (seconds or an HTTP date). */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function rateLimitError(f: HttpFailure, errors: RegistryErrorEntry[], anonymous: boolean): MiniboxError {
  const registryMessage = errors.find((e) => e.code === 'TOOMANYREQUESTS')?.message || 'You have reached your pull rate limit';
  const secs = retryAfterSeconds(f.retryAfter);
  let msg = `toomanyrequests: ${registryMessage.replace(/\.\s*$/, '')}. `;
  msg += secs === undefined ? 'Retry later.' : `Retry after ${secs} s.`;
  if (anonymous) msg += " Anonymous pulls get the lowest limit: 'minibox login' raises it.";
  return new MiniboxError(msg);
}

function describeEntries(errors: RegistryErrorEntry[]): string {
  return errors.map((e) => `${codeText(e.code)}: ${e.message || codeText(e.code)}`).join('; ');
}

function manifestError(f: HttpFailure, errors: RegistryErrorEntry[], ctx: ErrorContext): MiniboxError | undefined {
  const codes = new Set(errors.map((e) => e.code));
  const unknownManifest = errors.find((e) => e.code === 'MANIFEST_UNKNOWN');
  if (unknownManifest || (f.status === 404 && errors.length === 0)) {
    const sep = ctx.reference?.includes(':') ? '@' : ':';
    const detail = unknownManifest?.message || 'manifest unknown';
    return new MiniboxError(`manifest for ${ctx.name}${sep}${ctx.reference ?? 'latest'} not found: manifest unknown: ${detail}`);
  }
  const denied = [...codes].some((c) => ACCESS_CODES.has(c)) || (errors.length === 0 && (f.status === 401 || f.status === 403));
  if (denied) {
    return new MiniboxError(`pull access denied for ${ctx.name}, repository does not exist or may require 'minibox login'`);
  }
  return undefined;
}

/** The MiniboxError for a non-success answer from the registry. */
export function registryError(f: HttpFailure, ctx: ErrorContext): MiniboxError {
  const errors = parseRegistryErrors(f.body);
  if (f.status === 429 || errors.some((e) => e.code === 'TOOMANYREQUESTS')) return rateLimitError(f, errors, ctx.anonymous);
  if (ctx.op === 'manifest') {
    const mapped = manifestError(f, errors, ctx);
    if (mapped) return mapped;
  }
  if (ctx.op === 'blob' && f.status === 404) {
    return new MiniboxError(`blob ${ctx.reference ?? ''} not found in ${ctx.name}: ${describeEntries(errors) || 'blob unknown'}`);
  }
  if (ctx.op === 'push' && (f.status === 401 || f.status === 403) && errors.length === 0) {
    return new MiniboxError('denied: requested access to the resource is denied');
  }
  if (errors.length > 0) return new MiniboxError(describeEntries(errors));
  return new MiniboxError(`received unexpected HTTP status: ${f.status} ${f.statusText}`.trim());
}
