import { statePaths } from '../util/paths.js';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { withLock } from '../linux/file-lock.js';
import { listContainerStates, readContainerState, writeContainerState, type ContainerState } from '../container/state.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs, removeContainerFiles } from '../container/store.js';
import { isProcessAlive, waitProcessGone } from '../linux/proc/liveness.js';
import type { OciSpec } from '../container/spec.js';
import { readSpec } from '../container/spec-read.js';
import { readHealthState, type HealthState } from '../container/health.js';
import { containerCgroup } from '../linux/cgroups/index.js';
import { applyMonitorRecord, markStopped, readMonitorRecord } from '../container/exit-record.js';
import type { InspectFields } from '../container/inspect-fields.js';

// What ps and inspect show, passed through so the CLI imports the engine only.
export type { ContainerState } from '../container/state.js';
export type { OciSpec } from '../container/spec.js';
export { readCommand } from '../container/spec-read.js';
export type { HealthState, HealthStatus } from '../container/health.js';
export type { InspectFields } from '../container/inspect-fields.js';

/** The monitor's last health record (containers/<id>/health.json); undefined: no check. */
export function containerHealth(id: string): HealthState | undefined {
  return readHealthState(containerDirs(statePaths(), id).dir);
}

/**
 * Whether a running container is paused: its freezer's state, read from the kernel each time
 * (one small file per running container, so ps stays cheap); engine/pause.ts says why.
 */
export function containerPaused(state: ContainerState): boolean {
  return state.status === 'running' && containerCgroup(state.id).freezerState() !== 'thawed';
}

/**
 * Use cases over container records: list, inspect, remove. A record that says "running"
 * whose process is gone (monitor killed, host rebooted) is reported, and saved, as exited.
 */
export async function reconcile(state: ContainerState): Promise<ContainerState> {
  if (state.status !== 'running') return state;
  // a detached container's C monitor records restarts and the exit (container/exit-record.ts)
  const alive = isProcessAlive(state.shimPid, state.shimStartTime);
  const folded = applyMonitorRecord(state, readMonitorRecord(containerDirs(statePaths(), state.id).dir), alive);
  if (alive) return folded;
  const fixed: ContainerState =
    folded.status !== 'running' ? folded : { ...state, status: 'exited', pid: 0, exitCode: state.exitCode || 255, finishedAt: state.finishedAt || new Date().toISOString() };
  await writeContainerState(containerDirs(statePaths(), state.id).dir, fixed).catch((err: unknown) => {
    // removed under our feet (an rm, or a --rm monitor's own): nothing left to correct
    if (errnoCode(err) !== 'ENOENT') throw err;
  });
  // the container is gone: its address, published ports and (if last) the bridge go too
  await (await import('./network.js')).releaseNetwork(statePaths(), state.id);
  return fixed;
}

export async function listContainers(all: boolean): Promise<ContainerState[]> {
  const states = await Promise.all((await listContainerStates(statePaths().containers)).map(reconcile));
  return states
    .filter((c) => all || c.status === 'running')
    .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
}

export async function inspectContainer(ref: string): Promise<{ state: ContainerState; spec: OciSpec }> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  return { state, spec: await readSpec(containerDirs(paths, state.id).dir) };
}

/** inspect's fields from hostconfig.json beside config.json, the image's VOLUMEs and the volume store's names. */
export async function inspectFields(state: ContainerState, spec: OciSpec): Promise<InspectFields & { HostConfig: { NetworkMode: string } }> {
  // loaded here: ps, rm and exec import this module and need none of it
  const [{ readHostConfig }, { inspectFieldsOf }, { resolveImageForRun }, { volumeNameOfSource }] = await Promise.all([
    import('../container/hostconfig.js'),
    import('../container/inspect-fields.js'),
    import('../image/resolve.js'),
    import('../volume/store.js'),
  ]);
  const paths = statePaths();
  const hc = await readHostConfig(containerDirs(paths, state.id).dir);
  // the image may be gone (rmi -f): then Config.Volumes has the flags' only
  const imageVolumes = await resolveImageForRun(paths, state.imageId).then((i) => i.config.config.Volumes, () => undefined);
  const fields = inspectFieldsOf(spec, hc, imageVolumes, (source) => volumeNameOfSource(paths, source));
  return { ...fields, HostConfig: { ...fields.HostConfig, NetworkMode: networkModeOf(hc.network?.network, spec) } };
}

/**
 * HostConfig.NetworkMode as Docker 26+ shows it: the `--network` given (a user network's
 * name, `host`, `none`, `container:<id>`), `bridge` for the default (also when asked for as
 * `default`). Without a recorded flag, a spec that shares the host's network is `host`.
 */
export function networkModeOf(flag: string | undefined, spec: OciSpec): string {
  if (flag && flag !== 'default') return flag;
  if (!flag && !spec.linux.namespaces.some((n) => n.type === 'network')) return 'host';
  return 'bridge';
}

/** `volumes` (rm -v): the container's anonymous volumes go with it; named ones always stay. */
export async function removeContainer(ref: string, force: boolean, volumes = false): Promise<string> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  const spec = volumes ? await readSpec(containerDirs(paths, state.id).dir).catch(() => undefined) : undefined;
  if (state.status === 'running') {
    if (!force) {
      const why = containerPaused(state) ? 'container is paused and must be unpaused first' : 'container is running: stop the container before removing or force remove';
      throw new MiniboxError(`cannot remove container "/${state.name}": ${why}`, 1);
    }
    // the stopped marker first: a monitor with a restart policy must not start it again
    try {
      markStopped(containerDirs(paths, state.id).dir);
    } catch {
      // the record is going anyway; the SIGKILL below is what counts
    }
    if (state.shimPid && isProcessAlive(state.shimPid, state.shimStartTime)) process.kill(state.pid || state.shimPid, 'SIGKILL');
    // a frozen task dies of SIGKILL only once thawed (v1 freezer); Docker's kill thaws too
    if (containerPaused(state)) await containerCgroup(state.id).thaw();
    await waitProcessGone(state.shimPid, state.shimStartTime, 5000);
  }
  await containerCgroup(state.id).remove();
  // ports, address, idle bridge/chains: the foreground run releases them itself, unless killed
  await (await import('./network.js')).releaseNetwork(paths, state.id);
  await withLock(paths.locks, 'containers', async () => {
    const current = await readContainerState(containerDirs(paths, state.id).dir).catch(() => undefined);
    if (current) await removeContainerFiles(paths, state.id);
  });
  if (spec) await (await import('./volumes.js')).removeAnonymousVolumes(paths, spec);
  return state.id;
}

/** Remove every container that is not running; returns their ids. */
export async function pruneContainers(): Promise<string[]> {
  const removed: string[] = [];
  for (const c of await listContainers(true)) {
    if (c.status === 'running') continue;
    await removeContainer(c.id, false);
    removed.push(c.id);
  }
  return removed;
}
