import { closeSync, promises as fs } from 'node:fs';
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs, type ContainerDirs } from '../container/store.js';
import { readContainerState, writeContainerState, type ContainerState } from '../container/state.js';
import { readMonitorRecord } from '../container/exit-record.js';
import { readHostConfig, validRestartPolicy, writeHostConfig, type HostConfig } from '../container/hostconfig.js';
import { attachNetwork, planNetwork, releaseNetwork, type NetworkFlags } from './network.js';
import { resolveImageForRun } from '../image/resolve.js';
import type { ImageRuntimeConfig } from '../image/config.js';
import type { StatePaths } from '../util/paths.js';
import type { OciSpec } from '../container/spec.js';
import { startShim, type ShimConfig } from '../linux/shim.js';
import { isProcessAlive, processStartTime } from '../linux/process.js';
import { containerCgroup, type ContainerCgroup, type Limits } from '../linux/cgroups/index.js';
import { reconcile } from './containers.js';

/**
 * Detached containers and their lifecycle: run -d / start launch the shim with detach=1, which
 * leaves a C monitor (native-shim/src/daemon.c) holding the container; stop, kill, restart and
 * wait act on the recorded pids, never on a recycled one (pidfd + parent check).
 */
export function hostConfigOf(
  req: { restart?: string; tty?: boolean; interactive: boolean; network?: NetworkFlags },
  stopSignal?: string,
): HostConfig {
  const restart = req.restart ?? 'no';
  if (!validRestartPolicy(restart)) throw new MiniboxError(`invalid restart policy: ${restart}`, 125);
  return {
    restart,
    tty: req.tty === true,
    interactive: req.interactive,
    stopSignal: stopSignal || 'SIGTERM',
    ...(req.network ? { network: req.network } : {}),
  };
}

export function logPath(dir: string, id: string): string {
  return path.join(dir, `${id}-json.log`);
}

/** The file with the oom_kill counter: memory.events (v2) or memory.oom_control (v1). */
function oomFile(cgroup: ContainerCgroup): string | undefined {
  if (cgroup.kind === 'v2') return cgroup.joinPaths[0] ? path.join(cgroup.joinPaths[0], 'memory.events') : undefined;
  const mem = cgroup.joinPaths.find((p) => /\/memory[^/]*\/minibox\//.test(p));
  return mem ? path.join(mem, 'memory.oom_control') : undefined;
}

async function clearMonitorFiles(dir: string): Promise<void> {
  for (const f of ['stopped', 'exit.json', 'started.json']) await fs.rm(path.join(dir, f), { force: true });
}

/** Launch the shim with detach=1; returns once the program runs (the monitor stays, Node goes). */
export async function launchDetached(dirs: ContainerDirs, state: ContainerState, config: ShimConfig, cgroup: ContainerCgroup, hc: HostConfig): Promise<void> {
  await writeHostConfig(dirs.dir, hc);
  await clearMonitorFiles(dirs.dir);
  const oom = oomFile(cgroup);
  const shim = startShim(
    {
      ...config,
      run: {
        detach: true,
        tty: hc.tty,
        stdin: hc.interactive,
        log: logPath(dirs.dir, state.id),
        statedir: dirs.dir,
        restart: hc.restart,
        ...(oom ? { oom } : {}),
      },
    },
    'ignore',
  );
  let monitorPid = 0;
  let pid = 0;
  let failure: MiniboxError | undefined;
  for await (const ev of shim.events) {
    if (ev.kind === 'monitor') monitorPid = ev.pid;
    else if (ev.kind === 'pid') pid = ev.pid;
    else if (ev.kind === 'error') failure = new MiniboxError(ev.message.replace(/^minibox: /, ''), ev.code);
  }
  if (!failure && (!pid || !monitorPid)) failure = new MiniboxError('the container monitor did not start', 125);
  if (failure) {
    await writeContainerState(dirs.dir, { ...state, status: 'exited', pid: 0, exitCode: failure.exitCode, finishedAt: new Date().toISOString() });
    throw failure;
  }
  const started = readMonitorRecord(dirs.dir).started;
  await writeContainerState(dirs.dir, {
    ...state,
    status: 'running',
    pid,
    shimPid: monitorPid,
    shimStartTime: processStartTime(monitorPid) ?? '',
    exitCode: 0,
    oomKilled: false,
    startedAt: started?.startedAt || new Date().toISOString(),
    finishedAt: '',
  });
}

export function signalNumber(sig: string): number {
  const signals = osConstants.signals as Record<string, number>;
  if (/^\d+$/.test(sig) && Number(sig) > 0 && Number(sig) < 65) return Number(sig);
  const name = sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`;
  const n = signals[name];
  if (n === undefined) throw new MiniboxError(`Invalid signal: ${sig}`, 1);
  return n;
}

function parentPid(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Signal the container's init. A pidfd pins the process; it is ours only if its parent is the
 * recorded monitor (itself checked by start time), so a recycled pid is never signalled.
 */
export async function signalInit(state: ContainerState, sig: number): Promise<boolean> {
  if (!state.pid || !isProcessAlive(state.shimPid, state.shimStartTime)) return false;
  const { pidfdOpen, pidfdSendSignal } = await import('../linux/libc.js');
  let fd: number;
  try {
    fd = pidfdOpen(state.pid);
  } catch {
    return false; // already gone
  }
  try {
    if (parentPid(state.pid) !== state.shimPid) return false;
    pidfdSendSignal(fd, sig);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

async function waitMonitorGone(state: ContainerState, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (isProcessAlive(state.shimPid, state.shimStartTime)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

async function current(ref: string): Promise<ContainerState> {
  return reconcile(await findContainer(statePaths(), ref));
}

/** The stopped marker: the monitor must not restart what the user stopped. */
async function markStopped(state: ContainerState): Promise<void> {
  await fs.writeFile(path.join(containerDirs(statePaths(), state.id).dir, 'stopped'), '');
}

/** docker stop: StopSignal (or -s), then SIGKILL after `seconds`; a stopped container is fine. */
export async function stopContainer(ref: string, opts: { seconds?: number; signal?: string }): Promise<void> {
  const state = await current(ref);
  if (state.status !== 'running') return;
  const hc = await readHostConfig(containerDirs(statePaths(), state.id).dir);
  const sig = signalNumber(opts.signal ?? hc.stopSignal);
  await markStopped(state);
  await signalInit(state, sig);
  if (!(await waitMonitorGone(state, (opts.seconds ?? 10) * 1000))) {
    await signalInit(await current(ref), osConstants.signals.SIGKILL);
    // a monitor stuck in a restart back-off sees the marker within 50 ms
    await waitMonitorGone(state, 10_000);
  }
  await current(ref);
}

export async function killContainer(ref: string, signal = 'SIGKILL'): Promise<void> {
  const state = await current(ref);
  const sig = signalNumber(signal);
  if (state.status !== 'running') throw new MiniboxError(`cannot kill container: ${ref}: container ${state.id} is not running`, 1);
  if (sig === osConstants.signals.SIGKILL) await markStopped(state);
  if (!(await signalInit(state, sig))) throw new MiniboxError(`cannot kill container: ${ref}: container ${state.id} is not running`, 1);
}

/** Limits back from config.json's linux.resources (spec.ts ociResources, inverted). */
function limitsOf(spec: OciSpec): Limits {
  const r = spec.linux.resources;
  const l: Limits = {};
  if (r.memory?.limit !== undefined) l.memory = r.memory.limit;
  if (r.memory?.swap !== undefined) l.memorySwap = r.memory.swap;
  if (r.memory?.reservation !== undefined) l.memoryReservation = r.memory.reservation;
  if (r.cpu?.shares !== undefined) l.cpuShares = r.cpu.shares;
  if (r.cpu?.quota !== undefined) l.cpuQuota = r.cpu.quota;
  if (r.cpu?.period !== undefined) l.cpuPeriod = r.cpu.period;
  if (r.cpu?.cpus !== undefined) l.cpusetCpus = r.cpu.cpus;
  if (r.pids) l.pids = r.pids.limit;
  return l;
}

/** docker start: a stopped container runs again, detached, on its own upper dir. */
export async function startContainer(ref: string): Promise<ContainerState> {
  const paths = statePaths();
  const state = await current(ref);
  if (state.status === 'running') return state;
  const dirs = containerDirs(paths, state.id);
  const spec = JSON.parse(await fs.readFile(path.join(dirs.dir, 'config.json'), 'utf8')) as OciSpec;
  const hc = await readHostConfig(dirs.dir);
  const cgroup = containerCgroup(state.id);
  const lower = spec.annotations['io.minibox.rootfs.lower'] ?? '';
  try {
    cgroup.create();
    cgroup.apply(limitsOf(spec));
    const netRecords = await reattachNetwork(paths, state, spec, hc);
    await launchDetached(dirs, state, {
      id: state.id,
      rootfs: dirs.rootfs,
      lowerDirs: lower ? lower.split(':') : [],
      upper: dirs.upper,
      work: dirs.work,
      hostname: spec.hostname,
      cwd: spec.process.cwd,
      args: spec.process.args,
      env: spec.process.env,
      cgroups: cgroup.joinPaths,
      cgroupView: cgroup.viewSpec,
      netRecords,
    }, cgroup, hc);
  } catch (err) {
    await releaseNetwork(paths, state.id);
    await cgroup.remove();
    throw err;
  }
  return readContainerState(dirs.dir);
}

/** start: the network of the run (address, ports, hosts entries) made again from its flags. */
async function reattachNetwork(paths: StatePaths, state: ContainerState, spec: OciSpec, hc: HostConfig): Promise<string[]> {
  await releaseNetwork(paths, state.id); // whatever an earlier run left, e.g. after a crash
  let imageConfig: ImageRuntimeConfig = {};
  try {
    imageConfig = (await resolveImageForRun(paths, state.imageId)).config.config;
  } catch {
    // image removed with rmi -f: -P then has no ExposedPorts to publish
  }
  const plan = await planNetwork(paths, hc.network ?? {}, imageConfig);
  return attachNetwork(paths, { id: state.id, name: state.name, hostname: spec.hostname }, plan);
}

export async function restartContainer(ref: string, seconds?: number): Promise<void> {
  await stopContainer(ref, seconds !== undefined ? { seconds } : {});
  await startContainer(ref);
}

/** docker wait: block until the container is not running; its exit code. */
export async function waitContainer(ref: string): Promise<number> {
  for (;;) {
    const state = await current(ref);
    if (state.status !== 'running') return state.exitCode;
    await new Promise((r) => setTimeout(r, 50));
  }
}
