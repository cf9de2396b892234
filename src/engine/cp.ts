import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { splitContainerArg } from '../container/cp-paths.js';
import { copyIn, copyOut, type CopyOptions } from '../container/cp-transfer.js';
import { containerDirs } from '../container/store.js';
import { readSpec } from '../container/spec-read.js';
import { lowerDirsOf } from '../container/spec.js';
import { overlayMountedOn, runInOverlayView } from '../linux/shim-cp.js';
import { reconcile } from './containers.js';
import { whileFrozen } from './pause.js';
import { defaultDrivers, type EngineDrivers } from './drivers.js';

export type { CopyOptions };

/**
 * `cp`: one side is CONTAINER:PATH, the other a host path or `-` (a tar on stdin/stdout).
 * A running container's filesystem is reached through /proc/<pid>/root (its volumes and
 * binds included). A stopped one's overlay is mounted by the shim in a private mount
 * namespace, where this same command runs again (MINIBOX_CP_ROOT names the view). Every
 * path is resolved inside that root (container/cp-paths.ts); a running container is frozen
 * for the whole copy (engine/pause.ts whileFrozen), so none of its processes can swap a
 * resolved directory for a symlink before the host opens it (CVE-2018-15664).
 */
const VIEW_ENV = 'MINIBOX_CP_ROOT';

/** `freeze`: the id of the running container to freeze for the copy; a stopped one's view needs none. */
type Root = { root: string; freeze?: string } | { delegate: () => Promise<number> };

function frozenFor<T>(r: { freeze?: string }, drivers: EngineDrivers, fn: () => Promise<T>): Promise<T> {
  return r.freeze ? whileFrozen(r.freeze, fn, drivers) : fn();
}

async function containerRoot(ref: string): Promise<Root> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  if (state.status === 'running' && state.pid) return { root: `/proc/${state.pid}/root`, freeze: state.id };
  const dirs = containerDirs(paths, state.id);
  // inside the shim's namespace: only this container's own mount point is taken as a view
  if (process.env[VIEW_ENV] === dirs.rootfs && overlayMountedOn(dirs.rootfs)) return { root: dirs.rootfs };
  // already the re-run inside the namespace, yet no view there: never delegate twice
  if (process.env[VIEW_ENV]) throw new MiniboxError(`cp: the filesystem of container ${state.name} could not be mounted`, 1);
  const spec = await readSpec(dirs.dir);
  const view = { id: state.id, rootfs: dirs.rootfs, lowerDirs: lowerDirsOf(spec), upper: dirs.upper, work: dirs.work };
  const again = [process.execPath, process.argv[1] ?? 'minibox', ...process.argv.slice(2)];
  return { delegate: () => runInOverlayView(view, again, { ...process.env, [VIEW_ENV]: dirs.rootfs }) };
}

/**
 * DEST `-`: the tar goes to `stdout`; SRC `-`: it comes from `stdin`. Returns the exit
 * status when the copy ran in the shim's namespace (a stopped container). The freeze
 * lasts until the tar stream has ended, since that is when the files are read.
 */
export async function copy(
  src: string,
  dst: string,
  o: CopyOptions,
  stdin: Readable,
  stdout: Writable,
  drivers: EngineDrivers = defaultDrivers(),
): Promise<number | undefined> {
  const from = splitContainerArg(src);
  const to = splitContainerArg(dst);
  if (from && to) throw new MiniboxError('copying between containers is not supported', 1);
  if (!from && !to) throw new MiniboxError('must specify at least one container source', 1);
  if (from) {
    const r = await containerRoot(from.container);
    if ('delegate' in r) return r.delegate();
    await frozenFor(r, drivers, async () => {
      const tarOut = await copyOut(r.root, from.path || '/', dst, from.container, o);
      if (tarOut) await pipeline(tarOut, stdout);
    });
    return undefined;
  }
  const target = to as { container: string; path: string };
  const r = await containerRoot(target.container);
  if ('delegate' in r) return r.delegate();
  await frozenFor(r, drivers, () => copyIn(r.root, src, target.path || '/', o, stdin));
  return undefined;
}
