import { readFileSync, writeFileSync, mkdirSync, rmdirSync, existsSync } from 'node:fs';
import { errnoCode, MiniboxError } from '../../util/errors.js';
import { trace, traceFailure, traceStep } from '../../util/trace-events.js';

/**
 * Reading and writing cgroup control files. Kernel errors become one-line MiniboxErrors
 * naming the file and value (`write memory.max=1: Device or resource busy`).
 */
export function writeControl(dir: string, file: string, value: string | number): void {
  try {
    writeFileSync(`${dir}/${file}`, String(value));
    if (trace.on) traceStep({ step: 'write', target: `${dir}/${file}`, value: String(value), concept: 'cgroups' });
  } catch (err) {
    if (trace.on) traceFailure({ step: 'write', target: `${dir}/${file}`, value: String(value) }, err);
    throw new MiniboxError(`cgroup: write ${file}=${value}: ${errnoMessage(err)}`, 125, { cause: err });
  }
}

export function readControl(dir: string, file: string): string {
  return readFileSync(`${dir}/${file}`, 'utf8').trim();
}

export function readControlOr(dir: string, file: string, fallback = ''): string {
  try {
    return readControl(dir, file);
  } catch {
    return fallback;
  }
}

/** "key value" lines (memory.events, cpu.stat, memory.stat) as a map of numbers. */
export function readKeyed(dir: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readControlOr(dir, file).split('\n')) {
    const [k, v] = line.split(/\s+/);
    if (k && v !== undefined) out.set(k, Number(v));
  }
  return out;
}

export function ensureDir(dir: string): void {
  const made = mkdirSync(dir, { recursive: true });
  if (trace.on && made !== undefined) traceStep({ step: 'mkdir', target: dir, concept: 'cgroups' });
}

/**
 * How long a cgroup rmdir is retried on EBUSY: the kernel refuses it until the last task of
 * the cgroup is reaped, which takes milliseconds after the container's exit; ~3 s covers a
 * loaded host and a 20-process fork bomb dying in the qemu (TCG) v2 lane, where 2 s once
 * did not (`rm -f` exited 125 there). One policy with the C side: the detached monitor removes its container's
 * cgroups itself (native-shim/src/monitor/cgroup_remove.c, same constant names and values);
 * this side removes them after foreground runs, failed starts and `rm`.
 */
const CGROUP_RMDIR_TRIES = 300;
const CGROUP_RMDIR_INTERVAL_MS = 10;

/** rmdir a cgroup, retrying EBUSY while the kernel finishes reaping its last tasks. */
export async function removeDir(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (existsSync(dir)) {
        rmdirSync(dir);
        if (trace.on) traceStep({ step: 'rmdir', target: dir, concept: 'cgroups' });
      }
      return;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      if (errnoCode(err) !== 'EBUSY' || attempt >= CGROUP_RMDIR_TRIES) {
        throw new MiniboxError(`cgroup: remove ${dir}: ${errnoMessage(err)}`, 125, { cause: err });
      }
      await new Promise((r) => setTimeout(r, CGROUP_RMDIR_INTERVAL_MS));
    }
  }
}

/**
 * How long a freeze may take before it is undone (both drivers' freezer.ts): a few ms for a
 * container of a few processes; 5 s leaves room for a loaded host and the qemu (TCG) v2 lane.
 */
export const FREEZE_BUDGET_MS = 5000;

/**
 * Wait for the kernel to report a state it reaches asynchronously (a freezer's FROZEN): poll
 * `reached` with a short backoff (1 ms doubling to 20 ms) until it holds or `budgetMs` has
 * passed; `nudge` runs before each later poll. True when the state was reached.
 */
export async function pollUntil(reached: () => boolean, budgetMs: number, nudge?: () => void): Promise<boolean> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    if (reached()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    nudge?.();
  }
}

const MESSAGES: Record<string, string> = {
  EBUSY: 'Device or resource busy',
  EINVAL: 'Invalid argument',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOSPC: 'No space left on device',
  EOPNOTSUPP: 'Operation not supported',
  ENOTSUP: 'Operation not supported', // Node's name for the same errno (a BFQ weight_device of a device without BFQ)
};

function errnoMessage(err: unknown): string {
  const code = errnoCode(err);
  return (code && MESSAGES[code]) ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Remove the shared "minibox" parent once its last container is gone, so nothing of ours
 * stays on the host. EBUSY/ENOTEMPTY means other containers still use it: fine.
 */
export function removeParentIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still in use, or already gone
  }
}

/** Run a cgroup creation step, retrying when a concurrent rm just removed the shared parent. */
export function retryOnVanishedParent(step: () => void): void {
  for (let i = 0; ; i++) {
    try {
      step();
      return;
    } catch (err) {
      const cause = err instanceof Error && 'cause' in err ? err.cause : err;
      if (i >= 20 || (errnoCode(err) !== 'ENOENT' && errnoCode(cause) !== 'ENOENT')) throw err;
    }
  }
}

/**
 * mkdir one cgroup level of a given path (OCI linux.cgroupsPath): true when this call made it.
 * A concurrent create of the same shared parent is no error (EEXIST: theirs, not ours).
 */
export function makeLevel(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
  if (trace.on) traceStep({ step: 'mkdir', target: dir, concept: 'cgroups' });
  return true;
}
