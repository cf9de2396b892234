import { constants as osConstants } from 'node:os';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findImage, resolveImageForRun } from '../image/resolve.js';
import type { PullListener, PullPolicy } from './pull.js';
import { resolveProcess } from '../container/process.js';
import { buildSpec } from '../container/spec.js';
import { createContainer, newContainerId, removeContainerFiles, type ContainerDirs } from '../container/store.js';
import { readContainerState, writeContainerState, type ContainerState } from '../container/state.js';
import { startShim, type ShimConfig } from '../linux/shim.js';
import { processStartTime } from '../linux/process.js';
import { containerCgroup, type ContainerCgroup } from '../linux/cgroups/index.js';
import { hostFacts } from '../linux/host.js';
import { parseResources, type ResourceFlags } from '../container/resources.js';
import { writeHostConfig } from '../container/hostconfig.js';
import { attachNetwork, planEnv, planNetwork, releaseNetwork, type NetworkFlags } from './network.js';
import { hostname as hostHostname } from 'node:os';
import { mark } from '../util/trace.js';
import { allSettledOrThrow } from '../util/command.js';

/**
 * `minibox run` in the foreground, top to bottom like bocker:
 * resolve image → create the container record → start the shim → forward signals → wait
 * → record the exit → remove it when --rm.
 */
export interface RunRequest {
  image: string;
  command: string[];
  name?: string;
  env: string[];
  entrypoint?: string;
  workdir?: string;
  hostname?: string;
  interactive: boolean;
  autoRemove: boolean;
  pull?: PullPolicy; // when to pull the image: missing (default), always, never
  platform?: string;
  onPullEvent?: PullListener;
  resources: ResourceFlags;
  network?: NetworkFlags; // --network, -p, -P, --link, --dns, --add-host
  detach?: boolean; // -d: a C monitor keeps the container (engine/lifecycle.ts)
  tty?: boolean; // -t: a pty
  restart?: string; // --restart policy, carried out by the monitor
  onDetached?: (id: string) => void; // -d: told the id once the container runs
}

export async function runContainer(req: RunRequest): Promise<number> {
  mark('run: start');
  const paths = statePaths();
  if (req.pull === 'always' || !(await findImage(paths, req.image))) {
    // loaded only when needed: the registry client is not part of a plain run's start-up cost
    await (await import('./pull.js')).ensureImage(req, paths);
  }
  const image = await resolveImageForRun(paths, req.image);
  mark('image resolved');
  const id = newContainerId();
  // validated before anything is created: bad flags leave nothing behind
  const net = await planNetwork(paths, req.network ?? {}, image.config.config);
  const hostname = req.hostname ?? (net.mode === 'host' ? hostHostname() : id.slice(0, 12));
  const env = [...planEnv(net, req.name ?? id.slice(0, 12)), ...req.env];
  const proc = resolveProcess(image.config.config, { ...req, env, hostname }, process.env);
  const limits = parseResources(req.resources, hostFacts());
  const { state, dirs } = await createContainer(paths, {
    id,
    ...(req.name !== undefined ? { name: req.name } : {}),
    image: image.ref,
    imageId: image.imageId,
    autoRemove: req.autoRemove,
    spec: () =>
      buildSpec({ id, process: proc, hostname, terminal: req.tty === true, imageRef: image.ref, imageId: image.imageId, lowerDirs: image.snapshotDirs, limits }),
  });
  mark('container created');
  const cgroup = containerCgroup(id);
  let detached = false;
  let held: HeldShim | undefined; // the shim, still holding the container's netns
  let netRecords: string[];
  try {
    netRecords = await attachNetwork(paths, { id, name: state.name, hostname }, net);
  } catch (err) {
    await removeContainerFiles(paths, id); // a port in use: no half-made container
    throw err;
  }
  mark('network attached');
  try {
    cgroup.create();
    cgroup.apply(limits);
    const shimConfig: ShimConfig = {
      id,
      rootfs: dirs.rootfs,
      lowerDirs: image.snapshotDirs,
      upper: dirs.upper,
      work: dirs.work,
      hostname,
      cwd: proc.cwd,
      args: proc.args,
      env: proc.env,
      cgroups: cgroup.joinPaths,
      cgroupView: cgroup.viewSpec,
      netRecords,
      run: { tty: req.tty === true, stdin: req.interactive, nshold: !req.detach && net.mode === 'bridge' },
    };
    if (!req.detach && !req.autoRemove) {
      // what `start` needs to run this container again the same way (detached writes its
      // own; a --rm container is never started again, so it skips this write)
      await writeHostConfig(dirs.dir, {
        restart: 'no',
        tty: req.tty === true,
        interactive: req.interactive,
        stopSignal: image.config.config.StopSignal || 'SIGTERM',
        ...(req.network ? { network: req.network } : {}),
      });
    }
    if (req.detach) {
      const { launchDetached, hostConfigOf } = await import('./lifecycle.js');
      await launchDetached(dirs, state, shimConfig, cgroup, hostConfigOf(req, image.config.config.StopSignal));
      detached = true;
      req.onDetached?.(id);
      return 0;
    }
    const waited = await startAndWait(state, dirs, cgroup, shimConfig, req.interactive || req.tty === true);
    held = waited.held;
    return waited.status;
  } finally {
    // detached: the monitor removes the cgroup when the container is gone for good; rm the rest.
    // The three are independent; side by side the network's kernel waits hide the others.
    mark('container done');
    try {
      if (!detached) {
        await allSettledOrThrow([releaseNetwork(paths, id), cgroup.remove(), req.autoRemove ? removeContainerFiles(paths, id) : undefined]);
      }
    } finally {
      mark('cleaned up');
      await held?.release();
    }
  }
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** A shim that reported the exit but still holds the netns: release() lets it exit. */
interface HeldShim {
  release(): Promise<void>;
}

async function startAndWait(
  state: ContainerState,
  dirs: ContainerDirs,
  cgroup: ContainerCgroup,
  config: ShimConfig,
  interactive: boolean,
): Promise<{ status: number; held?: HeldShim }> {
  mark('cgroup ready');
  const shim = startShim(config, interactive ? 'inherit' : 'ignore');
  const forward = (signal: NodeJS.Signals) => shim.child.kill(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  const exited = new Promise<number>((resolve) => shim.child.on('exit', (code, sig) => resolve(code ?? 128 + signalNumber(sig))));
  let failure: MiniboxError | undefined;
  let status: number | undefined;
  let held: HeldShim | undefined;
  try {
    for await (const ev of shim.events) {
      mark(`shim: ${ev.kind}`);
      if (ev.kind === 'pid') await markRunning(dirs.dir, state, ev.pid, shim.child.pid ?? 0);
      else if (ev.kind === 'error') failure = new MiniboxError(ev.message.replace(/^minibox: /, ''), ev.code);
      else if (ev.kind === 'exit') {
        status = ev.status;
        if (config.run?.nshold) {
          // the shim now waits for release(): the teardown runs with the netns still there
          held = { release: () => (shim.release(), exited.then(() => undefined)) };
          break;
        }
      }
    }
    if (!held) {
      const shimStatus = await exited;
      status ??= shimStatus;
    }
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
  mark('shim done');
  try {
    const oomKilled = cgroup.stats().oomKills > 0;
    await markExited(dirs.dir, failure ? failure.exitCode : (status ?? 125), oomKilled);
  } catch (err) {
    await held?.release(); // the caller never sees it: let the shim go now
    throw err;
  }
  if (failure) throw failure;
  return { status: status ?? 125, ...(held ? { held } : {}) };
}

function signalNumber(sig: NodeJS.Signals | null): number {
  const signals: Partial<Record<string, number>> = osConstants.signals;
  return sig ? (signals[sig] ?? 0) : 0;
}

async function markRunning(dir: string, state: ContainerState, pid: number, shimPid: number): Promise<void> {
  const shimStartTime = processStartTime(shimPid) ?? '';
  await writeContainerState(dir, { ...state, status: 'running', pid, shimPid, shimStartTime, startedAt: new Date().toISOString() });
}

async function markExited(dir: string, exitCode: number, oomKilled: boolean): Promise<void> {
  const current = await readContainerState(dir);
  await writeContainerState(dir, { ...current, status: 'exited', pid: 0, exitCode, oomKilled, finishedAt: new Date().toISOString() });
}
