import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { listContainerStates } from '../container/state.js';
import { containerDirs } from '../container/store.js';
import { readSpec } from '../container/spec-read.js';
import {
  createVolume,
  deleteVolumeFiles,
  findVolume,
  getVolume,
  listVolumes,
  volumeDirs,
  volumeNameOfSource,
  volumeSize,
  withVolumesLock,
} from '../volume/store.js';
import type { VolumeRecord } from '../volume/record.js';

export type { VolumeRecord } from '../volume/record.js';

/**
 * `volume create/ls/inspect/rm/prune`. Who uses a volume is read from the containers'
 * config.json mounts (a bind of volumes/<name>/_data), every container counting, running
 * or not, as Docker counts them.
 */
export interface VolumeView {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
}

export function volumeView(paths: StatePaths, v: VolumeRecord): VolumeView {
  return {
    CreatedAt: v.created,
    Driver: v.driver,
    Labels: Object.keys(v.labels).length > 0 ? v.labels : null,
    Mountpoint: volumeDirs(paths, v.name).data,
    Name: v.name,
    Options: null,
    Scope: 'local',
  };
}

/** volume name → ids of the containers whose mounts use it. */
export async function volumeUsers(paths: StatePaths): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const c of await listContainerStates(paths.containers)) {
    const spec = await readSpec(containerDirs(paths, c.id).dir).catch(() => undefined);
    for (const m of spec?.mounts ?? []) {
      const name = volumeNameOfSource(paths, m.source);
      if (name === undefined) continue;
      const ids = users.get(name) ?? [];
      if (!ids.includes(c.id)) ids.push(c.id);
      users.set(name, ids);
    }
  }
  return users;
}

export async function createNamedVolume(name: string | undefined, driver: string, labels: Record<string, string>): Promise<VolumeView> {
  if (driver !== 'local') throw new MiniboxError(`error looking up volume plugin ${driver}: plugin "${driver}" not found`, 1);
  const paths = statePaths();
  const { volume } = await createVolume(paths, { ...(name !== undefined ? { name } : {}), labels });
  return volumeView(paths, volume);
}

export async function inspectVolume(name: string): Promise<VolumeView> {
  const paths = statePaths();
  return volumeView(paths, await getVolume(paths, name));
}

export interface VolumeFilter {
  key: 'dangling' | 'name' | 'label' | 'driver';
  value: string;
}

/** `--filter k=v` as Docker's `volume ls` takes it. */
export function parseVolumeFilter(s: string): VolumeFilter {
  const eq = s.indexOf('=');
  const key = eq === -1 ? s : s.slice(0, eq);
  const value = eq === -1 ? '' : s.slice(eq + 1);
  if (key !== 'dangling' && key !== 'name' && key !== 'label' && key !== 'driver') throw new MiniboxError(`invalid filter '${key}'`, 1);
  if (key === 'dangling' && !['true', 'false', '1', '0'].includes(value)) throw new MiniboxError(`invalid filter 'dangling=${value}'`, 1);
  return { key, value };
}

function matches(v: VolumeRecord, users: Map<string, string[]>, f: VolumeFilter): boolean {
  switch (f.key) {
    case 'dangling':
      return (users.has(v.name) ? 'false' : 'true') === (f.value === '1' ? 'true' : f.value === '0' ? 'false' : f.value);
    case 'name':
      return v.name.includes(f.value);
    case 'driver':
      return v.driver === f.value;
    case 'label': {
      const eq = f.value.indexOf('=');
      if (eq === -1) return f.value in v.labels;
      return v.labels[f.value.slice(0, eq)] === f.value.slice(eq + 1);
    }
  }
}

/** Filters of one key are alternatives, different keys must all hold (Docker's rule). */
export async function listVolumeViews(filters: VolumeFilter[]): Promise<VolumeView[]> {
  const paths = statePaths();
  const users = filters.some((f) => f.key === 'dangling') ? await volumeUsers(paths) : new Map<string, string[]>();
  const byKey = new Map<string, VolumeFilter[]>();
  for (const f of filters) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  const all = await listVolumes(paths);
  return all.filter((v) => [...byKey.values()].every((fs) => fs.some((f) => matches(v, users, f)))).map((v) => volumeView(paths, v));
}

/** Remove one volume; in use → Docker's wording. `force` forgives only a missing volume. */
export async function removeVolume(name: string, force: boolean): Promise<void> {
  const paths = statePaths();
  await withVolumesLock(paths, async () => {
    const v = await findVolume(paths, name);
    if (!v) {
      if (force) return;
      throw new MiniboxError(`get ${name}: no such volume`, 1);
    }
    const users = (await volumeUsers(paths)).get(name);
    if (users?.length) throw new MiniboxError(`remove ${name}: volume is in use - [${users.join(', ')}]`, 1);
    deleteVolumeFiles(paths, name);
  });
}

/** Unused volumes go: anonymous ones only, unless `all` (Docker 23+). Returns names and bytes freed. */
export async function pruneVolumes(all: boolean): Promise<{ removed: string[]; bytes: number }> {
  const paths = statePaths();
  return withVolumesLock(paths, async () => {
    const users = await volumeUsers(paths);
    const removed: string[] = [];
    let bytes = 0;
    for (const v of await listVolumes(paths)) {
      if (users.has(v.name) || (!all && !v.anonymous)) continue;
      bytes += volumeSize(paths, v.name);
      deleteVolumeFiles(paths, v.name);
      removed.push(v.name);
    }
    return { removed, bytes };
  });
}
