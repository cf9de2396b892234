import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { containerCgroup, type ContainerCgroup } from '../linux/cgroups/index.js';
import { encodeShimConfig, spawnShim, type ShimConfig, type ShimEvent } from '../linux/shim.js';
import { processStartTime } from '../linux/proc/liveness.js';
import { translateBundle, type Translation } from './translate.js';
import { claimDir, execFifo, removeDir, writeRecord, type RuntimeRecord } from './store.js';

/**
 * create and run: read the bundle, make the cgroup, hand the shim its config. `create` starts
 * the shim detached with execfifo= (native-shim/src/run/oci_start.h): its monitor stays with
 * the container, whose init is set up and held before the execve until `start`. `run` in the
 * foreground needs no hold. A failure leaves nothing behind: no cgroup, no <root>/<id>.
 */
export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
}

/** The cgroup's per-container name: apart from minibox's own containers (same /minibox parent). */
export function cgroupName(id: string): string {
  return `oci-${id}`;
}

function readBundle(bundle: string): unknown {
  const file = path.join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new MiniboxError(`JSON specification file ${file} not found`, 1);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MiniboxError(`invalid config.json in ${bundle}: ${(err as Error).message}`, 1);
  }
}

/** The records the shim gets: its usual ones, plain root (no overlay keys) and the run-mode extras. */
export function encodeRuntimeConfig(c: ShimConfig, extra: string[]): Buffer {
  const records = encodeShimConfig(c)
    .toString()
    .split('\0')
    .filter((r) => r !== '' && !/^(lower|upper|work)=/.test(r));
  return Buffer.from([...records, 'plainroot=1', ...extra].map((r) => `${r}\0`).join(''));
}

interface Prepared {
  dir: string;
  t: Translation;
  cgroup: ContainerCgroup;
}

async function prepare(o: CreateOptions): Promise<Prepared> {
  const raw = readBundle(o.bundle);
  const cgroup = containerCgroup(cgroupName(o.id));
  // translated before anything is made: a bad config.json leaves nothing behind
  const t = translateBundle({ id: o.id, bundle: o.bundle, raw, cgroup, seccompCacheDir: path.join(o.root, '.seccomp') });
  const dir = claimDir(o.root, o.id);
  try {
    cgroup.create();
    cgroup.apply(t.limits);
    if (cgroup.deviceControl === 'v1') cgroup.applyDevices(t.deviceRules);
  } catch (err) {
    await cgroup.remove().catch(() => undefined);
    removeDir(o.root, o.id);
    throw err;
  }
  return { dir, t, cgroup };
}

async function collect(events: AsyncIterable<ShimEvent>, onPid?: (pid: number) => Promise<void>): Promise<{ pid: number; monitor: number; exit?: number; error?: MiniboxError }> {
  const out: { pid: number; monitor: number; exit?: number; error?: MiniboxError } = { pid: 0, monitor: 0 };
  for await (const ev of events) {
    if (ev.kind === 'pid') {
      out.pid = ev.pid;
      await onPid?.(ev.pid);
    } else if (ev.kind === 'monitor') out.monitor = ev.pid;
    else if (ev.kind === 'exit') out.exit = ev.status;
    else if (ev.kind === 'error') out.error ??= new MiniboxError(ev.message.replace(/^minibox: /, ''), 1);
  }
  return out;
}

function recordOf(o: CreateOptions, p: Prepared, pid: number, monitorPid: number): RuntimeRecord {
  return {
    id: o.id,
    bundle: o.bundle,
    rootfs: p.t.rootfs,
    pid,
    pidStartTime: processStartTime(pid) ?? '',
    monitorPid,
    created: new Date().toISOString(),
    annotations: p.t.annotations,
    cgroupPaths: p.cgroup.joinPaths,
  };
}

async function undo(o: CreateOptions, p: Prepared): Promise<void> {
  await p.cgroup.remove().catch(() => undefined);
  removeDir(o.root, o.id);
}

export async function createContainer(o: CreateOptions): Promise<void> {
  const p = await prepare(o);
  const extra = ['detach=1', `statedir=${p.dir}`, `log=${path.join(p.dir, 'log.json')}`, 'restart=no', `execfifo=${execFifo(o.root, o.id)}`];
  let r;
  try {
    const shim = spawnShim('run', encodeRuntimeConfig(p.t.shim, extra), 'ignore', { detach: true });
    r = await collect(shim.events);
  } catch (err) {
    await undo(o, p);
    throw err;
  }
  if (r.error || !r.pid || !r.monitor) {
    if (r.pid) {
      try {
        process.kill(r.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await undo(o, p);
    throw r.error ?? new MiniboxError('the container monitor did not start', 1);
  }
  await writeRecord(o.root, recordOf(o, p, r.pid, r.monitor));
  if (o.pidFile) await writeFileAtomic(path.resolve(o.pidFile), String(r.pid));
}

/** run in the foreground: the shim relays the output; resolves with the container's exit code. */
export async function runForeground(o: CreateOptions, keep: boolean): Promise<number> {
  const p = await prepare(o);
  let r;
  try {
    const shim = spawnShim('run', encodeRuntimeConfig(p.t.shim, []), 'ignore', {});
    r = await collect(shim.events, async (pid) => {
      await writeRecord(o.root, recordOf(o, p, pid, 0));
      if (o.pidFile) await writeFileAtomic(path.resolve(o.pidFile), String(pid));
    });
  } catch (err) {
    await undo(o, p);
    throw err;
  }
  await p.cgroup.remove().catch(() => undefined);
  if (!keep || r.error) removeDir(o.root, o.id);
  if (r.error) throw r.error;
  return r.exit ?? 1;
}
