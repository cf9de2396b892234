import { errnoCode } from '../util/errors.js';

/**
 * Retrying what a flaky network or an overloaded registry gets wrong for a moment: 5xx
 * answers and connections reset or closed early. Three tries with exponential backoff;
 * the delays are injectable so tests do not sleep.
 */
export interface RetryPolicy {
  tries: number;
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  tries: 3,
  baseDelayMs: 250,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Delay before try number `attempt + 1` (attempt counts from 1): base, 2×base, 4×base… */
export function backoff(policy: RetryPolicy, attempt: number): number {
  return policy.baseDelayMs * 2 ** (attempt - 1);
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** A network failure worth another try (node-fetch wraps the socket's errno in `code`). */
export function isTransientNetworkError(err: unknown): boolean {
  const code = errnoCode(err);
  if (code && TRANSIENT_CODES.has(code)) return true;
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause && cause !== err) return isTransientNetworkError(cause);
  const msg = err instanceof Error ? err.message : '';
  return /premature close|socket hang up|aborted/i.test(msg);
}

/** Thrown by an attempt to ask for another try; carries what to report if none is left. */
export class RetryableError extends Error {
  constructor(readonly final: Error) {
    super(final.message);
  }
}

/** Run `attempt` up to `policy.tries` times while it fails transiently. */
export async function withRetry<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const transient = err instanceof RetryableError || isTransientNetworkError(err);
      if (!transient || n >= policy.tries) throw err instanceof RetryableError ? err.final : err;
      await policy.sleep(backoff(policy, n));
    }
  }
}
