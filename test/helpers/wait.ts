import { readFileSync } from 'node:fs';

/**
 * Wait for the event a test depends on instead of sleeping a fixed time: poll `cond` until
 * it returns something truthy (that value is returned) or the deadline passes (then throw,
 * naming what was awaited, so the test fails where it waited rather than on a later check).
 */
export interface WaitOpts {
  timeout?: number; // ms, default 10 000
  interval?: number; // ms between polls, default 20
  what?: string; // for the error message
}

export async function waitFor<T>(cond: () => T | Promise<T>, opts: WaitOpts = {}): Promise<NonNullable<T>> {
  const timeout = opts.timeout ?? 10_000;
  const interval = opts.interval ?? 20;
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeout} ms waiting for ${opts.what ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** True while `pid` exists and is not a zombie (an exited child not yet reaped holds nothing). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
