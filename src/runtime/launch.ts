import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { isObject } from '../util/json.js';
import { writeFileAtomic } from '../util/atomic.js';
import { cgroupAt, removeCreatedCgroupDirs, type ContainerCgroup } from '../linux/cgroups/index.js';
import { encodeShimConfig, spawnShim, type ShimConfig, type ShimEvent } from '../linux/shim.js';
import { processStartTime } from '../linux/proc/liveness.js';
import { translateBundle, type Translation } from './translate.js';
import { runRuntimeHooks, saveHooks } from './hooks.js';
import { killLeftInCgroups } from './commands.js';
import { cgroupDirsToRemove, resolveCgroupsPath } from './cgroups-path.js';
import { claimDir, execFifo, removeDir, writeRecord, type RuntimeRecord } from './store.js';

/**
 * create and run: read the bundle, make the cgroup, hand the shim its config. `create` is
 * runc's: no monitor stays (native-shim/src/run/oci_direct.h). The shim sets up and clones the
 * init, whose stdio is ours as our caller gave it (or, with process.terminal, a pty whose
 * master goes to --console-socket); the init waits on exec.fifo for `start` and the shim
 * exits, so the init is re-parented to our caller (conmon, containerd's shim: subreapers),
 * which reaps it. `run` in the foreground keeps the shim as its monitor (it relays and
 * returns the exit code). A failure leaves nothing behind: no cgroup, no <root>/<id>.
 */
export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number; // --preserve-fds: our fds 3.. become the container's 3.. (main.ts checked them)
}

export { cgroupName } from './store.js';

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
  cgroup: ContainerCgroup & { readonly createdDirs: string[] };
  cgroupsPath: string; // linux.cgroupsPath, resolved (cgroups-path.ts)
  terminal: boolean; // process.terminal
}

/** runc's pairing of process.terminal and --console-socket, checked before anything is made. */
function checkTerminal(raw: unknown, o: CreateOptions, detached: boolean): boolean {
  const proc = isObject(raw) && isObject(raw.process) ? raw.process : {};
  const terminal = proc.terminal === true;
  if (detached && terminal && !o.consoleSocket) throw new MiniboxError('cannot allocate tty if minibox-runtime will detach without setting console socket', 1);
  if (o.consoleSocket && (!terminal || !detached)) throw new MiniboxError('cannot use console socket if minibox-runtime will not detach or allocate tty', 1);
  return terminal;
}

async function prepare(o: CreateOptions, detached: boolean): Promise<Prepared> {
  const raw = readBundle(o.bundle);
  const terminal = checkTerminal(raw, o, detached);
  const cgroupsPath = resolveCgroupsPath(raw, o.id);
  const cgroup = cgroupAt(cgroupsPath);
  // translated before anything is made: a bad config.json leaves nothing behind
  const t = translateBundle({ id: o.id, bundle: o.bundle, raw, cgroup, seccompCacheDir: path.join(o.root, '.seccomp') });
  const dir = claimDir(o.root, o.id);
  try {
    cgroup.create();
    cgroup.apply(t.limits);
    if (cgroup.deviceControl === 'v1') cgroup.applyDevices(t.deviceRules);
  } catch (err) {
    await removeCgroup(cgroup, cgroupsPath);
    removeDir(o.root, o.id);
    throw err;
  }
  return { dir, t, cgroup, cgroupsPath, terminal };
}

/** What create() made goes, and the runtime's own parents once empty (cgroups-path.ts); a leaf given ready-made stays. */
function removeCgroup(cgroup: Prepared['cgroup'], cgroupsPath: string): Promise<void> {
  return removeCreatedCgroupDirs(cgroupDirsToRemove(cgroupsPath, cgroup.createdDirs, cgroup.joinPaths), cgroup.joinPaths).catch(() => undefined);
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
    cgroupsPath: p.cgroupsPath,
    cgroupCreated: p.cgroup.createdDirs,
  };
}

async function undo(o: CreateOptions, p: Prepared): Promise<void> {
  await removeCgroup(p.cgroup, p.cgroupsPath);
  removeDir(o.root, o.id);
}

export async function createContainer(o: CreateOptions): Promise<void> {
  const p = await prepare(o, true);
  const extra = ['nomonitor=1', `execfifo=${execFifo(o.root, o.id)}`];
  if (p.terminal) extra.push('tty=1', `consolesocket=${path.resolve(o.consoleSocket!)}`);
  let r;
  try {
    // our stdio is the container's: the shim gets it as it is (and passes it on)
    const shim = spawnShim('run', encodeRuntimeConfig(p.t.shim, [...p.t.records, ...extra]), 'inherit', { ...(o.preserveFds ? { preserveFds: o.preserveFds } : {}) });
    const exited = new Promise<number>((resolve) => shim.child.on('exit', (code) => resolve(code ?? 1)));
    r = await collect(shim.events);
    if ((await exited) !== 0) r.error ??= new MiniboxError('the shim failed to create the container', 1);
  } catch (err) {
    await undo(o, p);
    throw err;
  }
  if (r.error || !r.pid) {
    if (r.pid) {
      try {
        process.kill(r.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await undo(o, p);
    throw r.error ?? new MiniboxError('the container init did not start', 1);
  }
  await writeRecord(o.root, recordOf(o, p, r.pid, 0));
  saveHooks(p.dir, p.t.hooks);
  if (o.pidFile) await writeFileAtomic(path.resolve(o.pidFile), String(r.pid));
}

/** run in the foreground: the shim relays the output; resolves with the container's exit code. */
export async function runForeground(o: CreateOptions, keep: boolean): Promise<number> {
  const p = await prepare(o, false);
  let r;
  try {
    // with a terminal the shim relays a pty of the container's to our own (tty=1)
    const shim = spawnShim('run', encodeRuntimeConfig(p.t.shim, [...p.t.records, ...(p.terminal ? ['tty=1', 'stdin=1'] : [])]), p.terminal ? 'inherit' : 'ignore', { tty: p.terminal, ...(o.preserveFds ? { preserveFds: o.preserveFds } : {}) });
    r = await collect(shim.events, async (pid) => {
      await writeRecord(o.root, recordOf(o, p, pid, 0));
      if (o.pidFile) await writeFileAtomic(path.resolve(o.pidFile), String(pid));
      runRuntimeHooks('poststart', p.t.hooks, { id: o.id, bundle: o.bundle, annotations: p.t.annotations }, pid, 'running');
    });
  } catch (err) {
    await undo(o, p);
    throw err;
  }
  killLeftInCgroups(p.cgroup.joinPaths); // a shared pid namespace (commands.ts)
  await removeCgroup(p.cgroup, p.cgroupsPath);
  if (r.pid) runRuntimeHooks('poststop', p.t.hooks, { id: o.id, bundle: o.bundle, annotations: p.t.annotations }, 0, 'stopped');
  if (!keep || r.error) removeDir(o.root, o.id);
  if (r.error) throw r.error;
  return r.exit ?? 1;
}
