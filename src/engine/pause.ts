import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { withLock } from '../linux/file-lock.js';
import { signalNumber } from '../linux/signals.js';
import { findContainer } from '../container/lookup.js';
import { reconcile } from './containers.js';
import { defaultDrivers, type EngineDrivers } from './drivers.js';

/**
 * pause and unpause (the cgroup freezer, as Docker's), and the freeze `cp` holds around a copy
 * into or out of a running container. "Paused" is the freezer's state read from the kernel
 * (ContainerCgroup.freezerState), never a record of ours that could disagree with it: a
 * command killed half-way leaves a container that `ps` still shows as it really is.
 * pause, unpause and cp's freeze take one lock per container, so a cp never thaws what a
 * user paused meanwhile and an unpause never thaws a container in the middle of a copy.
 */
const lockName = (id: string) => `freeze-${id}`;

export async function pauseContainer(ref: string, drivers: EngineDrivers = defaultDrivers()): Promise<void> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  if (state.status !== 'running') throw new MiniboxError(`Container ${state.id} is not running`, 1);
  await withLock(paths.locks, lockName(state.id), async () => {
    const cgroup = drivers.cgroups(state.id);
    if (cgroup.freezerState() !== 'thawed') throw new MiniboxError(`Container ${state.id} is already paused`, 1);
    await cgroup.freeze();
  });
}

export async function unpauseContainer(ref: string, drivers: EngineDrivers = defaultDrivers()): Promise<void> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  await withLock(paths.locks, lockName(state.id), async () => {
    const cgroup = drivers.cgroups(state.id);
    if (state.status !== 'running' || cgroup.freezerState() === 'thawed') throw new MiniboxError(`Container ${state.id} is not paused`, 1);
    await cgroup.thaw();
  });
}

const LEAVING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Run `fn` with every process of the container frozen, so none can swap a directory for a
 * symlink between cp's resolution inside the root and the host's open of the result
 * (CVE-2018-15664; the fix proposed in moby#39252, podman's `cp --pause`). A container the user had
 * paused stays paused; one frozen here is thawed after, also when `fn` fails or the command
 * is interrupted (Ctrl-C on a long copy must not leave the container frozen).
 */
export async function whileFrozen<T>(id: string, fn: () => Promise<T>, drivers: EngineDrivers = defaultDrivers()): Promise<T> {
  return withLock(statePaths().locks, lockName(id), async () => {
    const cgroup = drivers.cgroups(id);
    const before = cgroup.freezerState();
    if (before !== 'thawed') {
      if (before === 'freezing') await cgroup.freeze(); // a freeze someone left unfinished: finish it, and leave it
      return fn();
    }
    // from before the freeze starts: a signal during its wait must not leave the container half-frozen
    const leave = (signal: NodeJS.Signals) => {
      void cgroup.thaw().finally(() => process.exit(128 + signalNumber(signal)));
    };
    for (const s of LEAVING_SIGNALS) process.once(s, leave);
    try {
      await cgroup.freeze();
      return await fn();
    } finally {
      for (const s of LEAVING_SIGNALS) process.off(s, leave);
      await cgroup.thaw();
    }
  });
}

/**
 * After a stop signal or SIGKILL: a paused container is thawed so that it acts on it, as
 * Docker's kill does (the signal waits, pending, until the thaw). Not under the lock: a stop
 * must not wait for a long copy, and cp's own thaw of a container gone meanwhile is harmless.
 */
export async function thawToHearSignal(id: string, drivers: EngineDrivers = defaultDrivers()): Promise<void> {
  const cgroup = drivers.cgroups(id);
  if (cgroup.freezerState() !== 'thawed') await cgroup.thaw();
}
