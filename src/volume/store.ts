import fs from 'node:fs';
import path from 'node:path';
import { ensureStoreDir, type StatePaths } from '../util/paths.js';
import { withLock } from '../linux/file-lock.js';
import { readJsonFile, writeFileAtomic } from '../util/atomic.js';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { ANONYMOUS_LABEL, newAnonymousVolumeName, validateVolumeName } from './names.js';
import { parseVolumeRecord, type VolumeRecord } from './record.js';

/**
 * The volume store: volumes/<name>/{volume.json,_data}. Modes as Docker's local driver:
 * volumes/ and volumes/<name>/ are 0701 (traversable, not listable: no other user learns
 * the names or reads the records), _data 0755 like a fresh directory in an image (seeding
 * then gives it the image directory's owner and mode). Creation and removal take the
 * `volumes` lock, so two `run -v data:/x` at once make one volume.
 */
export const VOLUMES_DIR_MODE = 0o701;
const DATA_MODE = 0o755;
const RECORD = 'volume.json';

export interface VolumeDirs {
  dir: string;
  data: string; // the Mountpoint
  record: string;
}

export function volumesDir(paths: StatePaths): string {
  return path.join(paths.root, 'volumes');
}

export function volumeDirs(paths: StatePaths, name: string): VolumeDirs {
  const dir = path.join(volumesDir(paths), name);
  return { dir, data: path.join(dir, '_data'), record: path.join(dir, RECORD) };
}

/** A bind mount's host source → the volume whose _data it is, if any. */
export function volumeNameOfSource(paths: StatePaths, source: string): string | undefined {
  const rel = path.relative(volumesDir(paths), path.resolve(source));
  const parts = rel.split(path.sep);
  return parts.length === 2 && parts[1] === '_data' && parts[0] !== '..' && parts[0] !== '' ? parts[0] : undefined;
}

export function withVolumesLock<T>(paths: StatePaths, fn: () => Promise<T>): Promise<T> {
  return withLock(paths.locks, 'volumes', fn);
}

function ensureVolumesDir(paths: StatePaths): void {
  ensureStoreDir(paths, paths.root);
  const dir = volumesDir(paths);
  try {
    fs.mkdirSync(dir, { mode: VOLUMES_DIR_MODE });
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  const mode = fs.statSync(dir).mode & 0o7777;
  if ((mode & ~VOLUMES_DIR_MODE) !== 0) fs.chmodSync(dir, mode & VOLUMES_DIR_MODE);
}

export interface NewVolume {
  name?: string; // omitted: an anonymous volume
  labels?: Record<string, string>;
}

/** Read a record; undefined when there is none (or only an unfinished creation). */
export async function findVolume(paths: StatePaths, name: string): Promise<VolumeRecord | undefined> {
  try {
    return parseVolumeRecord(await readJsonFile(volumeDirs(paths, name).record));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

export async function getVolume(paths: StatePaths, name: string): Promise<VolumeRecord> {
  const v = await findVolume(paths, name);
  if (!v) throw new MiniboxError(`get ${name}: no such volume`, 1);
  return v;
}

/** Create a volume, or return the one of that name (Docker's create is idempotent). Caller holds no lock. */
export async function createVolume(paths: StatePaths, req: NewVolume): Promise<{ volume: VolumeRecord; created: boolean }> {
  const name = req.name === undefined ? newAnonymousVolumeName() : validateVolumeName(req.name);
  return withVolumesLock(paths, () => createVolumeLocked(paths, name, req));
}

async function createVolumeLocked(paths: StatePaths, name: string, req: NewVolume): Promise<{ volume: VolumeRecord; created: boolean }> {
  const existing = await findVolume(paths, name);
  if (existing) return { volume: existing, created: false };
  ensureVolumesDir(paths);
  const dirs = volumeDirs(paths, name);
  const anonymous = req.name === undefined;
  const volume: VolumeRecord = {
    name,
    driver: 'local',
    created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    labels: { ...req.labels, ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) },
    anonymous,
  };
  try {
    fs.rmSync(dirs.dir, { recursive: true, force: true }); // an unfinished creation's leftovers
    fs.mkdirSync(dirs.dir, { mode: VOLUMES_DIR_MODE });
    fs.mkdirSync(dirs.data, { mode: DATA_MODE });
    fs.chmodSync(dirs.data, DATA_MODE); // past the umask
    // the record last: a directory without it is an unfinished creation, ignored and replaced
    await writeFileAtomic(dirs.record, JSON.stringify(volume, null, 2) + '\n', 0o600);
  } catch (err) {
    fs.rmSync(dirs.dir, { recursive: true, force: true });
    throw err;
  }
  return { volume, created: true };
}

export async function listVolumes(paths: StatePaths): Promise<VolumeRecord[]> {
  let names: string[];
  try {
    names = fs.readdirSync(volumesDir(paths));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: VolumeRecord[] = [];
  for (const n of names) {
    const v = await findVolume(paths, n).catch(() => undefined); // a damaged record is not a volume
    if (v && v.name === n) out.push(v);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Delete a volume's record and data. The caller holds the volumes lock and checked it is unused. */
export function deleteVolumeFiles(paths: StatePaths, name: string): void {
  fs.rmSync(volumeDirs(paths, name).dir, { recursive: true, force: true });
}

/** Bytes in a volume's data (regular files, each inode once), what prune reports as reclaimed. */
export function volumeSize(paths: StatePaths, name: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = fs.lstatSync(p, { bigint: false });
        const key = `${st.dev}:${st.ino}`;
        if (!seen.has(key)) (seen.add(key), (total += st.size));
      }
    }
  };
  walk(volumeDirs(paths, name).data);
  return total;
}

/** Is the volume's data directory empty? (seeding from the image happens only then) */
export function isVolumeEmpty(paths: StatePaths, name: string): boolean {
  return fs.readdirSync(volumeDirs(paths, name).data).length === 0;
}
