import { fsNow as fs } from '../util/fs-now.js';
import path from 'node:path';
import { expectObject, optNumber, optString, reqString } from '../util/json.js';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { errnoCode, MiniboxError } from '../util/errors.js';

/** Container status, as Docker names it (created → running → exited; dead when unrecoverable). */
export type ContainerStatus = 'created' | 'running' | 'exited' | 'dead';

/**
 * containers/<id>/state.json: minibox's own record of a container. The OCI runtime spec
 * for the container sits beside it in config.json.
 */
export interface ContainerState {
  id: string;
  name: string;
  image: string; // the reference the user typed, normalised (docker.io/library/busybox:latest)
  imageId: string; // sha256:<config digest>
  status: ContainerStatus;
  pid: number; // host pid of the container's init while running, else 0
  shimPid: number;
  shimStartTime: string; // start time of shimPid (see linux/proc/liveness.ts), so a recycled pid is never ours
  exitCode: number;
  oomKilled: boolean;
  created: string; // RFC 3339
  startedAt: string;
  finishedAt: string;
  autoRemove: boolean;
}

const STATUSES: readonly ContainerStatus[] = ['created', 'running', 'exited', 'dead'];

export function parseContainerState(json: unknown): ContainerState {
  const what = 'container state';
  const o = expectObject(json, what);
  const status = reqString(o, 'status', what);
  if (!STATUSES.includes(status as ContainerStatus)) throw new MiniboxError(`invalid ${what}: status ${status}`);
  return {
    id: reqString(o, 'id', what),
    name: reqString(o, 'name', what),
    image: reqString(o, 'image', what),
    imageId: reqString(o, 'imageId', what),
    status: status as ContainerStatus,
    pid: optNumber(o, 'pid', what) ?? 0,
    shimPid: optNumber(o, 'shimPid', what) ?? 0,
    shimStartTime: optString(o, 'shimStartTime', what) ?? '',
    exitCode: optNumber(o, 'exitCode', what) ?? 0,
    oomKilled: o.oomKilled === true,
    created: reqString(o, 'created', what),
    startedAt: optString(o, 'startedAt', what) ?? '',
    finishedAt: optString(o, 'finishedAt', what) ?? '',
    autoRemove: o.autoRemove === true,
  };
}

export async function readContainerState(dir: string): Promise<ContainerState> {
  return parseContainerState(await readJsonFile(path.join(dir, 'state.json')));
}

export async function writeContainerState(dir: string, state: ContainerState): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'state.json'), state);
}

/**
 * Every container record under containers/; half-written dirs (no state.json yet) and records
 * being removed (renamed to a dot name first: container/store.ts removeContainerFiles) are skipped.
 */
export async function listContainerStates(containersDir: string): Promise<ContainerState[]> {
  let names: string[];
  try {
    names = await fs.readdir(containersDir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: ContainerState[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    try {
      out.push(await readContainerState(path.join(containersDir, name)));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
  }
  return out;
}
