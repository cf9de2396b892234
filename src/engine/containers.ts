import { promises as fs } from 'node:fs';
import path from 'node:path';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { withLock } from '../util/lock.js';
import { listContainerStates, readContainerState, writeContainerState, type ContainerState } from '../container/state.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs, removeContainerFiles } from '../container/store.js';
import { isProcessAlive } from '../linux/process.js';
import type { OciSpec } from '../container/spec.js';
import { containerCgroup } from '../linux/cgroups/index.js';
import { applyMonitorRecord, readMonitorRecord } from '../container/exit-record.js';

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
  await writeContainerState(containerDirs(statePaths(), state.id).dir, fixed);
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
  const dir = containerDirs(paths, state.id).dir;
  const spec = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8')) as OciSpec; // written by us
  return { state, spec };
}

export async function removeContainer(ref: string, force: boolean): Promise<string> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  if (state.status === 'running') {
    if (!force) {
      throw new MiniboxError(
        `cannot remove container "/${state.name}": container is running: stop the container before removing or force remove`,
        1,
      );
    }
    // the stopped marker first: a monitor with a restart policy must not start it again
    await fs.writeFile(path.join(containerDirs(paths, state.id).dir, 'stopped'), '').catch(() => undefined);
    if (state.shimPid && isProcessAlive(state.shimPid, state.shimStartTime)) process.kill(state.pid || state.shimPid, 'SIGKILL');
    await waitGone(state.shimPid, state.shimStartTime);
  }
  await containerCgroup(state.id).remove();
  // ports, address, idle bridge/chains: the foreground run releases them itself, unless killed
  await (await import('./network.js')).releaseNetwork(paths, state.id);
  await withLock(paths.locks, 'containers', async () => {
    const current = await readContainerState(containerDirs(paths, state.id).dir).catch(() => undefined);
    if (current) await removeContainerFiles(paths, state.id);
  });
  return state.id;
}

async function waitGone(pid: number, startTime: string | undefined): Promise<void> {
  for (let i = 0; i < 500 && isProcessAlive(pid, startTime); i++) await new Promise((r) => setTimeout(r, 10));
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
