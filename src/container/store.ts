import { fsNow as fs } from '../util/fs-now.js';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** A new container id: 64 hex digits, as Docker's. */
export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}
import { ensureStoreDir, type StatePaths } from '../util/paths.js';
import { withLock } from '../linux/file-lock.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { trace, traceStep } from '../util/trace-events.js';
import { generateName, validateName } from './names.js';
import { listContainerStates, writeContainerState, type ContainerState } from './state.js';
import type { OciSpec } from './spec.js';

/**
 * Container records on disk: containers/<id>/{config.json,state.json,upper,work,rootfs}.
 * Creation takes the containers lock so two `run --name x` at once cannot both win.
 */
export interface ContainerDirs {
  dir: string;
  upper: string;
  work: string;
  rootfs: string;
}

export function containerDirs(paths: StatePaths, id: string): ContainerDirs {
  const dir = path.join(paths.containers, id);
  return { dir, upper: path.join(dir, 'upper'), work: path.join(dir, 'work'), rootfs: path.join(dir, 'rootfs') };
}

export interface NewContainer {
  id: string;
  name?: string;
  image: string;
  imageId: string;
  autoRemove: boolean;
  spec: (id: string, name: string) => OciSpec;
}

export async function createContainer(paths: StatePaths, req: NewContainer): Promise<{ state: ContainerState; dirs: ContainerDirs }> {
  const wanted = req.name === undefined ? undefined : validateName(req.name);
  return withLock(paths.locks, 'containers', async () => {
    const existing = await listContainerStates(paths.containers);
    const taken = new Set(existing.map((c) => c.name));
    if (wanted !== undefined && taken.has(wanted)) {
      const owner = existing.find((c) => c.name === wanted);
      throw new MiniboxError(
        `Conflict. The container name "/${wanted}" is already in use by container "${owner?.id}". ` +
          'You have to remove (or rename) that container to be able to reuse that name.',
      );
    }
    const id = req.id;
    const name = wanted ?? generateName(taken);
    const dirs = containerDirs(paths, id);
    try {
      ensureStoreDir(paths, paths.containers); // 0700: upper dirs hold whatever containers made (util/paths.ts)
      await fs.mkdir(dirs.dir, { mode: 0o700 });
      // the overlay's root directory takes the upper dir's mode: keep it 0755 like an image root
      for (const d of [dirs.upper, dirs.work, dirs.rootfs]) await fs.mkdir(d, { mode: 0o755 });
      await writeJsonAtomic(path.join(dirs.dir, 'config.json'), req.spec(id, name));
      const state: ContainerState = {
        id,
        name,
        image: req.image,
        imageId: req.imageId,
        status: 'created',
        pid: 0,
        shimPid: 0,
        shimStartTime: '',
        exitCode: 0,
        oomKilled: false,
        created: new Date().toISOString(),
        startedAt: '',
        finishedAt: '',
        autoRemove: req.autoRemove,
      };
      // state.json last: a dir without it is an unfinished creation, ignored and removable
      await writeContainerState(dirs.dir, state);
      return { state, dirs };
    } catch (err) {
      await fs.rm(dirs.dir, { recursive: true, force: true });
      throw err;
    }
  });
}

/**
 * Delete a container's record and its writable layer. The rootfs mount lived only in its mount namespace.
 *
 * The directory is first renamed to a dot name beside it, atomically: from then on nobody finds
 * the record, and a late writer that still addresses it by path (a `ps` or a --rm monitor's own
 * `rm` reconciling its state.json, a monitor just SIGKILLed writing its exit record) gets ENOENT
 * instead of adding a file while the tree is deleted (`rm -f` of a `run -d --rm` container failed
 * with ENOTEMPTY that way under load). A second remover finds nothing and is done.
 */
export async function removeContainerFiles(paths: StatePaths, id: string): Promise<void> {
  const dir = containerDirs(paths, id).dir;
  const doomed = path.join(path.dirname(dir), `.removing-${id}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.rename(dir, doomed);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  // retried still: a writer that opened a temp file by path before the rename may finish it now
  await fs.rm(doomed, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  if (trace.on) traceStep({ step: 'rm -r', target: dir, result: 'its config, logs and upper dir (the writable layer) are gone', concept: 'overlay' });
}
