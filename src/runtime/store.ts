import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { expectObject, optNumber, optString, reqString } from '../util/json.js';
import { isProcessAlive } from '../linux/proc/liveness.js';
import { cgroupAt, containerCgroup, type ContainerCgroup } from '../linux/cgroups/index.js';
import { OCI_VERSION } from './default-spec.js';

/**
 * The runtime's record of its containers: <root>/<id>/ holds runtime.json (written once
 * the init exists), the detached monitor's files (started.json, exit.json, the json-file log,
 * attach.sock) and exec.fifo while the container is `created`. The status is never stored:
 * it is read from the init's liveness and the fifo each time, so a crash cannot leave a
 * stale "running" behind.
 */
export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** The cgroup's per-container name: apart from minibox's own containers (same /minibox parent). */
export function cgroupName(id: string): string {
  return `oci-${id}`;
}

export interface RuntimeRecord {
  id: string;
  bundle: string;
  rootfs: string;
  pid: number;
  pidStartTime: string;
  monitorPid: number;
  created: string; // RFC 3339
  annotations: Record<string, string>;
  cgroupPaths: string[];
  cgroupsPath?: string; // linux.cgroupsPath as resolved (cgroups-path.ts); absent in older records
  cgroupCreated: string[]; // the cgroup directories create made (delete removes only these)
}

/** What `state` prints (runtime.md "State"). */
export interface OciState {
  ociVersion: string;
  id: string;
  status: OciStatus;
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
}

const RECORD = 'runtime.json';

export function containerDir(root: string, id: string): string {
  return path.join(root, id);
}

export function execFifo(root: string, id: string): string {
  return path.join(containerDir(root, id), 'exec.fifo');
}

export function notExist(id: string): MiniboxError {
  return new MiniboxError(`container "${id}" does not exist`, 1);
}

/** Claim <root>/<id>: the id is in use once the directory exists (mkdir is the lock). */
export function claimDir(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = containerDir(root, id);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') throw new MiniboxError(`container with id exists: ${id}`, 1);
    throw err;
  }
  return dir;
}

export async function writeRecord(root: string, rec: RuntimeRecord): Promise<void> {
  await writeJsonAtomic(path.join(containerDir(root, rec.id), RECORD), rec);
}

export function parseRecord(json: unknown): RuntimeRecord {
  const what = RECORD;
  const o = expectObject(json, what);
  const ann = o.annotations && typeof o.annotations === 'object' ? (o.annotations as Record<string, unknown>) : {};
  return {
    id: reqString(o, 'id', what),
    bundle: reqString(o, 'bundle', what),
    rootfs: reqString(o, 'rootfs', what),
    pid: optNumber(o, 'pid', what) ?? 0,
    pidStartTime: optString(o, 'pidStartTime', what) ?? '',
    monitorPid: optNumber(o, 'monitorPid', what) ?? 0,
    created: reqString(o, 'created', what),
    annotations: Object.fromEntries(Object.entries(ann).filter(([, v]) => typeof v === 'string')) as Record<string, string>,
    cgroupPaths: Array.isArray(o.cgroupPaths) ? o.cgroupPaths.filter((p): p is string => typeof p === 'string') : [],
    ...(typeof o.cgroupsPath === 'string' && o.cgroupsPath !== '' ? { cgroupsPath: o.cgroupsPath } : {}),
    cgroupCreated: Array.isArray(o.cgroupCreated) ? o.cgroupCreated.filter((p): p is string => typeof p === 'string') : [],
  };
}

/** The record, or undefined when <root>/<id> exists without one yet (creating). */
export function readRecord(root: string, id: string): RuntimeRecord | undefined {
  const dir = containerDir(root, id);
  let text: string;
  try {
    text = readFileSync(path.join(dir, RECORD), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' && existsSync(dir)) return undefined;
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw notExist(id);
    throw err;
  }
  return parseRecord(JSON.parse(text));
}

export function statusOf(root: string, rec: RuntimeRecord): OciStatus {
  if (!isProcessAlive(rec.pid, rec.pidStartTime)) return 'stopped';
  if (existsSync(execFifo(root, rec.id))) return 'created';
  // runc's `paused` (pause/resume): the freezer, read from the kernel each time
  return recordCgroup(rec).freezerState() === 'thawed' ? 'running' : 'paused';
}

/** The cgroup a record's container lives in: its cgroupsPath, or (older records) minibox/oci-<id>. */
export function recordCgroup(rec: RuntimeRecord): ContainerCgroup {
  return rec.cgroupsPath ? cgroupAt(rec.cgroupsPath) : containerCgroup(cgroupName(rec.id));
}

export function stateOf(root: string, id: string): OciState {
  const rec = readRecord(root, id);
  if (!rec) {
    const dir = containerDir(root, id);
    return { ociVersion: OCI_VERSION, id, status: 'creating', pid: 0, bundle: '', rootfs: '', created: statSync(dir).mtime.toISOString(), annotations: {} };
  }
  const status = statusOf(root, rec);
  return {
    ociVersion: OCI_VERSION,
    id,
    status,
    pid: status === 'stopped' ? 0 : rec.pid,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    annotations: rec.annotations,
  };
}

export function listIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

export function removeDir(root: string, id: string): void {
  rmSync(containerDir(root, id), { recursive: true, force: true });
}
