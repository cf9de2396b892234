import { parseSignal, SIGKILL } from '../linux/signals.js';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import type { ContainerState } from '../container/state.js';
import { markStopped } from '../container/exit-record.js';
import { readHostConfig } from '../container/hostconfig.js';
import { isProcessAlive, waitProcessGone } from '../linux/proc/liveness.js';
import { signalChildOf } from '../linux/proc/signal-child.js';
import { reconcile } from './containers.js';
import { startContainer } from './start.js';
import { thawToHearSignal } from './pause.js';

/**
 * stop, kill, restart and wait: they act on a container's recorded pids, never on a
 * recycled one (the monitor by pid + start time, the init by pidfd + parent check).
 * Starting is engine/start.ts; the detached launch engine/launch-detached.ts.
 */


/**
 * Signal the container's init. A pidfd pins the process; it is ours only if its parent is the
 * recorded monitor (itself checked by start time), so a recycled pid is never signalled.
 */
export async function signalInit(state: ContainerState, sig: number): Promise<boolean> {
  if (!state.pid || !isProcessAlive(state.shimPid, state.shimStartTime)) return false;
  return signalChildOf(state.pid, state.shimPid, sig);
}

function waitMonitorGone(state: ContainerState, ms: number): Promise<boolean> {
  return waitProcessGone(state.shimPid, state.shimStartTime, ms, 20);
}

async function current(ref: string): Promise<ContainerState> {
  return reconcile(await findContainer(statePaths(), ref));
}

/** docker stop: StopSignal (or -s), then SIGKILL after `seconds`; a stopped container is fine. */
export async function stopContainer(ref: string, opts: { seconds?: number; signal?: string }): Promise<void> {
  const state = await current(ref);
  if (state.status !== 'running') return;
  const hc = await readHostConfig(containerDirs(statePaths(), state.id).dir);
  const sig = parseSignal(opts.signal ?? hc.stopSignal);
  markStopped(containerDirs(statePaths(), state.id).dir);
  await signalInit(state, sig);
  await thawToHearSignal(state.id); // a paused container hears its stop signal (Docker's kill)
  if (!(await waitMonitorGone(state, (opts.seconds ?? hc.stopTimeout ?? 10) * 1000))) {
    await signalInit(await current(ref), SIGKILL);
    await thawToHearSignal(state.id);
    // a monitor stuck in a restart back-off sees the marker within 50 ms
    await waitMonitorGone(state, 10_000);
  }
  await current(ref);
}

export async function killContainer(ref: string, signal = 'SIGKILL'): Promise<void> {
  const state = await current(ref);
  const sig = parseSignal(signal);
  if (state.status !== 'running') throw new MiniboxError(`cannot kill container: ${ref}: container ${state.id} is not running`, 1);
  if (sig === SIGKILL) markStopped(containerDirs(statePaths(), state.id).dir);
  if (!(await signalInit(state, sig))) throw new MiniboxError(`cannot kill container: ${ref}: container ${state.id} is not running`, 1);
  // Docker thaws a paused container for SIGKILL and its stop signal; others wait, pending, for unpause
  if (sig === SIGKILL || sig === parseSignal((await readHostConfig(containerDirs(statePaths(), state.id).dir)).stopSignal)) await thawToHearSignal(state.id);
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
