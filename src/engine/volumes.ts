import path from 'node:path';
import type { StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { parseMountFlag, parseVolumeFlag, planMounts, type MountFlags, type MountRequest } from '../container/mounts.js';
import type { OciSpec } from '../container/spec.js';
import { userMountsOf } from '../container/spec.js';
import { readSpec } from '../container/spec-read.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { createVolume, deleteVolumeFiles, findVolume, isVolumeEmpty, volumeDirs, volumeNameOfSource, withVolumesLock } from '../volume/store.js';
import { volumeUsers } from './volume-admin.js';

/**
 * Named and anonymous volumes for `run`: every volume a container asks for (-v NAME:CTR,
 * -v CTR, --mount type=volume, the image's VOLUME entries, --volumes-from) becomes a bind of
 * volumes/<name>/_data before the shim starts, so config.json records the bind and
 * `volume rm`/`rm -v` read the container's volumes from its mounts.
 */

/** -v, --mount, --tmpfs parsed; volume requests kept (container/mounts.ts's planMounts takes the rest). */
export function planRunMounts(flags: MountFlags): MountRequest[] {
  const isVolume = (m: MountRequest) => m.type === 'volume';
  const vols = flags.volumes.filter((v) => !isVolume(parseVolumeFlag(v)));
  const mnts = flags.mounts.filter((v) => !isVolume(parseMountFlag(v)));
  const volumeRequests = [...flags.volumes.map(parseVolumeFlag), ...flags.mounts.map(parseMountFlag)].filter(isVolume);
  const rest = planMounts({ ...flags, volumes: vols, mounts: mnts });
  const seen = new Set(rest.map((m) => m.target));
  for (const m of volumeRequests) {
    if (seen.has(m.target)) throw new MiniboxError(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
  }
  return [...rest, ...volumeRequests];
}

function anonymous(target: string): MountRequest {
  return { type: 'volume', source: '', target, readonly: false, createSource: false, tmpfsOptions: [] };
}

/** `--volumes-from C[:ro|rw]`: C's own mounts, the mode overridden when given. */
async function mountsFrom(paths: StatePaths, specs: string[]): Promise<MountRequest[]> {
  const out: MountRequest[] = [];
  for (const s of specs) {
    const [ref = '', mode, extra] = s.split(':');
    if (extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) throw new MiniboxError(`invalid mode: ${mode ?? ''}`);
    const c = await findContainer(paths, ref);
    const spec = await readSpec(containerDirs(paths, c.id).dir);
    for (const m of userMountsOf(spec)) {
      if (m.type !== 'bind') continue; // tmpfs is the container's own
      const ro = mode === undefined ? (m.options ?? []).includes('ro') : mode === 'ro';
      out.push({ type: 'bind', source: m.source, target: m.destination, readonly: ro, createSource: false, tmpfsOptions: [] });
    }
  }
  return out;
}

export interface ResolvedVolumes {
  mounts: MountRequest[]; // no 'volume' left: binds of _data, sorted so a parent mounts before its children
  undoIfFails<T>(fn: () => Promise<T>): Promise<T>; // fn failed (no container record): the volumes made for it go
}

export interface VolumeImage {
  volumes: Record<string, object> | undefined; // the image config's Volumes
  lowerDirs: string[]; // snapshots, bottom → top (seeding)
}

export async function resolveVolumeMounts(paths: StatePaths, planned: MountRequest[], image: VolumeImage, volumesFrom: string[]): Promise<ResolvedVolumes> {
  const all = [...planned];
  const taken = new Set(all.map((m) => m.target));
  for (const m of await mountsFrom(paths, volumesFrom)) if (!taken.has(m.target)) (all.push(m), taken.add(m.target));
  for (const v of Object.keys(image.volumes ?? {})) {
    const target = path.posix.normalize(v).replace(/(.)\/+$/, '$1');
    if (target.startsWith('/') && target !== '/' && !taken.has(target)) (all.push(anonymous(target)), taken.add(target));
  }
  const created: string[] = [];
  const undo = () =>
    withVolumesLock(paths, async () => {
      for (const n of created) deleteVolumeFiles(paths, n);
    });
  try {
    const out: MountRequest[] = [];
    for (const m of all) {
      if (m.type !== 'volume') {
        out.push(m);
        continue;
      }
      const { volume, created: made } = await createVolume(paths, m.source ? { name: m.source } : {});
      if (made) created.push(volume.name);
      const data = volumeDirs(paths, volume.name).data;
      if (isVolumeEmpty(paths, volume.name)) (await import('../volume/seed.js')).seedFromLayers(image.lowerDirs, m.target, data);
      out.push({ type: 'bind', source: data, target: m.target, readonly: m.readonly, createSource: false, tmpfsOptions: [] });
    }
    out.sort((a, b) => a.target.split('/').length - b.target.split('/').length);
    const undoIfFails = async <T>(fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        await undo();
        throw err;
      }
    };
    return { mounts: out, undoIfFails };
  } catch (err) {
    await undo();
    throw err;
  }
}

/** The anonymous volumes among a container's mounts (what `rm -v` and `run --rm` remove). */
export async function removeAnonymousVolumes(paths: StatePaths, spec: OciSpec): Promise<void> {
  const names = spec.mounts.map((m) => volumeNameOfSource(paths, m.source)).filter((n): n is string => n !== undefined);
  if (names.length === 0) return;
  await withVolumesLock(paths, async () => {
    const users = await volumeUsers(paths);
    for (const n of names) {
      if ((await findVolume(paths, n))?.anonymous && !users.get(n)?.length) deleteVolumeFiles(paths, n);
    }
  });
}
