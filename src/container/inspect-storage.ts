import type { StorageFlags } from './hostconfig.js';
import { parseMountFlag, parseTmpfsFlag, parseVolumeFlag, type MountRequest } from './mounts.js';
import { userMountsOf, type OciMount, type OciSpec } from './spec.js';

/**
 * inspect's storage fields in Docker's shapes, derived, never stored: what is mounted from
 * config.json's mounts (a volume there is already the bind of its volumes/<name>/_data), how
 * it was asked for from the run's flags as typed (hostconfig.json's storage).
 *
 * - Mounts (top level): every bind, volume and --mount tmpfs, as Docker's MountPoint: a
 *   volume with Name, Driver "local" and Mode "z" when typed without a mode (Docker's
 *   setBindModeIfNull), a bind with its Propagation (rprivate by default), Mode as typed after
 *   the second colon of -v. --tmpfs mounts are not listed (Docker keeps them in HostConfig.Tmpfs).
 * - HostConfig: Binds (-v with a source, as typed), Mounts (--mount as Docker's mount.Mount),
 *   Tmpfs (path → options), VolumesFrom, ReadonlyRootfs.
 * - Config.Volumes: the anonymous -v paths and the image's VOLUMEs (Docker merges both).
 */
export interface DockerMountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** Docker's mount.Mount (api/types/mount), the fields --mount can set here. */
export interface DockerMountSpec {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** volumes/<name>/_data → name; undefined for any other path (engine: volume/store.ts). */
export type VolumeNameOf = (source: string) => string | undefined;

const PROPAGATION = /^r?(private|shared|slave)$/;

/** A recorded flag parsed again; one the parser no longer takes is left out, not fatal. */
function parsed<T>(raws: string[] | undefined, parse: (raw: string) => T): { raw: string; req: T }[] {
  const out: { raw: string; req: T }[] = [];
  for (const raw of raws ?? []) {
    try {
      out.push({ raw, req: parse(raw) });
    } catch {
      // recorded by an older minibox under other rules
    }
  }
  return out;
}

/** -v's MODE part as typed ("" when none). */
function typedMode(raw: string): string {
  return raw.split(':')[2] ?? '';
}

/** The user's mounts of config.json (not /dev/shm, which --shm-size resizes in place). */
function containerMounts(spec: OciSpec): OciMount[] {
  return userMountsOf(spec).filter((m) => !(m.destination === '/dev/shm' && m.source === 'shm'));
}

export function mountPointsOf(spec: OciSpec, storage: StorageFlags, volumeNameOf: VolumeNameOf): DockerMountPoint[] {
  const volumeFlags = parsed(storage.volumes, parseVolumeFlag);
  const mountFlags = parsed(storage.mounts, parseMountFlag);
  const tmpfsTargets = new Set(parsed(storage.tmpfs, parseTmpfsFlag).map((t) => t.req.target));
  const out: DockerMountPoint[] = [];
  for (const m of containerMounts(spec)) {
    const rw = !(m.options ?? []).includes('ro');
    if (m.type === 'tmpfs') {
      if (!tmpfsTargets.has(m.destination)) out.push({ Type: 'tmpfs', Source: '', Destination: m.destination, Mode: '', RW: rw, Propagation: '' });
      continue;
    }
    if (m.type !== 'bind') continue;
    const byV = volumeFlags.find((f) => f.req.target === m.destination);
    const byMount = mountFlags.find((f) => f.req.target === m.destination);
    const mode = byV ? typedMode(byV.raw) : '';
    const typedBind = byV?.req.type === 'bind' || byMount?.req.type === 'bind'; // a path that happens to be a _data stays a bind
    const name = typedBind ? undefined : volumeNameOf(m.source);
    if (name !== undefined) {
      // anonymous (image VOLUME, -v PATH) and --volumes-from copies have no mode; asked-for ones "z"
      const asked = (byV && byV.req.source !== '') || (byMount && byMount.req.type === 'volume');
      out.push({ Type: 'volume', Name: name, Source: m.source, Destination: m.destination, Driver: 'local', Mode: asked ? mode || 'z' : '', RW: rw, Propagation: '' });
    } else {
      const propagation = (m.options ?? []).find((o) => PROPAGATION.test(o)) ?? 'rprivate';
      out.push({ Type: 'bind', Source: m.source, Destination: m.destination, Mode: mode, RW: rw, Propagation: propagation });
    }
  }
  return out;
}

/** --mount as Docker's CLI sends it (options only where given). */
function mountSpecOf(m: MountRequest): DockerMountSpec {
  const size = m.tmpfsOptions.find((o) => o.startsWith('size='));
  const mode = m.tmpfsOptions.find((o) => o.startsWith('mode='));
  return {
    Type: m.type,
    ...(m.source ? { Source: m.source } : {}),
    Target: m.target,
    ...(m.readonly ? { ReadOnly: true } : {}),
    ...(m.propagation ? { BindOptions: { Propagation: m.propagation } } : {}),
    ...(size || mode
      ? { TmpfsOptions: { ...(size ? { SizeBytes: Number(size.slice(5)) } : {}), ...(mode ? { Mode: parseInt(mode.slice(5), 8) } : {}) } }
      : {}),
  };
}

export interface StorageHostConfig {
  Binds: string[] | null;
  VolumesFrom: string[] | null;
  ReadonlyRootfs: boolean;
  Tmpfs?: Record<string, string>; // omitted when empty, as Docker's omitempty
  Mounts?: DockerMountSpec[];
}

export function storageHostConfig(spec: OciSpec, storage: StorageFlags): StorageHostConfig {
  const binds = (storage.volumes ?? []).filter((v) => v.includes(':'));
  const tmpfs: Record<string, string> = {};
  for (const t of storage.tmpfs ?? []) {
    const colon = t.indexOf(':');
    tmpfs[colon === -1 ? t : t.slice(0, colon)] = colon === -1 ? '' : t.slice(colon + 1);
  }
  const mounts = parsed(storage.mounts, parseMountFlag).map((f) => mountSpecOf(f.req));
  return {
    Binds: binds.length ? binds : null,
    VolumesFrom: storage.volumesFrom?.length ? storage.volumesFrom : null,
    ReadonlyRootfs: spec.root.readonly,
    ...(Object.keys(tmpfs).length ? { Tmpfs: tmpfs } : {}),
    ...(mounts.length ? { Mounts: mounts } : {}),
  };
}

/** Config.Volumes: the anonymous -v paths as typed, then the image's; null when none. */
export function configVolumes(storage: StorageFlags, imageVolumes: Record<string, object> | undefined): Record<string, object> | null {
  const out: Record<string, object> = {};
  for (const v of storage.volumes ?? []) if (!v.includes(':')) out[v] = {};
  for (const v of Object.keys(imageVolumes ?? {})) out[v] = {};
  return Object.keys(out).length ? out : null;
}
