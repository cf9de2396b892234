import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import type { ShimMount } from '../linux/shim-mounts.js';
import type { OciMount } from './spec.js';

/**
 * The container's own mounts: `-v/--volume`, `--mount`, `--tmpfs` parsed with Docker's rules
 * and wording, turned into config.json `mounts` and, from there, into the shim's `mount` keys
 * (native-shim/src/config/mountconfig.h). Named and anonymous volumes ('volume') are parsed
 * here but made by the volume store (not yet: planMounts refuses them).
 */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  source: string; // bind: absolute host path; volume: name ('' = anonymous); tmpfs: ''
  target: string; // absolute, clean, in the container
  readonly: boolean;
  createSource: boolean; // -v creates a missing host dir; --mount type=bind fails instead
  propagation?: string; // bind: rprivate (default) | private | rshared | shared | rslave | slave
  tmpfsOptions: string[]; // tmpfs: size=N, mode=OCTAL, and flags over nosuid,nodev,noexec
}

export interface MountFlags {
  volumes: string[]; // -v
  mounts: string[]; // --mount
  tmpfs: string[]; // --tmpfs
  readOnly: boolean; // --read-only
}

const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A container path: absolute, normalised, never "/" itself. */
function targetPath(p: string, spec: string, kind: string): string {
  if (!p) throw new MiniboxError(`invalid mount config for type "${kind}": field Target must not be empty`);
  if (!p.startsWith('/')) throw new MiniboxError(`invalid mount config for type "${kind}": invalid mount path: '${p}' mount path must be absolute`);
  const clean = path.posix.normalize(p).replace(/(.)\/+$/, '$1');
  if (clean === '/') throw new MiniboxError(`invalid volume specification: '${spec}': invalid mount config for type "${kind}": invalid specification: destination can't be '/'`);
  return clean;
}

/**
 * The MODE of `-v …:MODE`, as Docker's linux parser takes it: comma-separated, at most one
 * of each kind (ro|rw, z|Z, a propagation, nocopy, consistent|cached|delegated).
 *
 * z and Z ask for an SELinux relabel of the host path (shared / private). This host has no
 * SELinux, and minibox labels neither files nor processes, so there is nothing to relabel:
 * they are accepted and ignored, which is what Docker does where SELinux is not enabled
 * (its label.Relabel is a no-op there). nocopy (don't seed a volume) and the consistency
 * modes (Docker Desktop's) are accepted the same way.
 */
export function parseVolumeMode(mode: string): { readonly: boolean; propagation?: string } {
  let readonly = false;
  let propagation: string | undefined;
  const seen = new Set<string>();
  for (const m of mode ? mode.split(',') : []) {
    const kind =
      m === 'ro' || m === 'rw' ? 'rw' : m === 'z' || m === 'Z' ? 'label' : PROPAGATIONS.has(m) ? 'propagation' : m === 'nocopy' ? 'copy' : ['consistent', 'cached', 'delegated'].includes(m) ? 'consistency' : undefined;
    if (kind === undefined || seen.has(kind)) throw new MiniboxError(`invalid mode: ${mode}`);
    seen.add(kind);
    if (kind === 'rw') readonly = m === 'ro';
    if (kind === 'propagation') propagation = m;
  }
  return { readonly, ...(propagation ? { propagation } : {}) };
}

/** `-v HOST:CTR[:MODE]`, `-v NAME:CTR[:MODE]`, `-v CTR` (anonymous). */
export function parseVolumeFlag(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new MiniboxError(`invalid volume specification: '${spec}'`);
  if (parts.length === 1) return { type: 'volume', source: '', target: targetPath(parts[0]!, spec, 'volume'), readonly: false, createSource: false, tmpfsOptions: [] };
  const [source, target, mode = ''] = parts as [string, string, string?];
  const { readonly, propagation } = parseVolumeMode(mode);
  if (!source.startsWith('/')) {
    if (!VOLUME_NAME.test(source)) {
      throw new MiniboxError(
        `create ${source}: "${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
    return { type: 'volume', source, target: targetPath(target, spec, 'volume'), readonly, createSource: false, tmpfsOptions: [] };
  }
  return {
    type: 'bind',
    source: path.posix.normalize(source),
    target: targetPath(target, spec, 'bind'),
    readonly,
    createSource: true,
    ...(propagation ? { propagation } : {}),
    tmpfsOptions: [],
  };
}

/** A boolean field of --mount: `readonly`, `readonly=true|false|1|0`. */
function boolField(value: string | undefined, field: string): boolean {
  if (value === undefined) return true;
  if (['true', '1'].includes(value.toLowerCase())) return true;
  if (['false', '0'].includes(value.toLowerCase())) return false;
  throw new MiniboxError(`invalid value for ${field}: ${value}`);
}

/** `--mount type=bind|tmpfs|volume,source=…,target=…,readonly,…` with Docker's keys. */
export function parseMountFlag(spec: string): MountRequest {
  let type = 'volume';
  let source = '';
  let target = '';
  let readonly = false;
  let propagation: string | undefined;
  const tmpfsOptions: string[] = [];
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq === -1 ? undefined : field.slice(eq + 1);
    if (key === 'readonly' || key === 'ro') {
      readonly = boolField(value, key);
      continue;
    }
    if (value === undefined) throw new MiniboxError(`invalid argument "${spec}" for "--mount" flag: invalid field '${field}' must be a key=value pair`);
    if (key === 'type') type = value;
    else if (key === 'source' || key === 'src') source = value;
    else if (key === 'target' || key === 'destination' || key === 'dst') target = value;
    else if (key === 'bind-propagation') {
      if (!PROPAGATIONS.has(value)) throw new MiniboxError(`invalid argument "${spec}" for "--mount" flag: invalid propagation mode: ${value}`);
      propagation = value;
    } else if (key === 'tmpfs-size') tmpfsOptions.push(`size=${byteSize(value, spec)}`);
    else if (key === 'tmpfs-mode') {
      if (!/^[0-7]{1,4}$/.test(value)) throw new MiniboxError(`invalid argument "${spec}" for "--mount" flag: invalid tmpfs-mode: ${value}`);
      tmpfsOptions.push(`mode=${value.padStart(4, '0')}`);
    } else if (key === 'volume-nocopy' || key === 'consistency' || key === 'bind-nonrecursive') continue;
    else throw new MiniboxError(`invalid argument "${spec}" for "--mount" flag: unexpected key '${key}' in '${field}'`);
  }
  if (type !== 'bind' && type !== 'tmpfs' && type !== 'volume') throw new MiniboxError(`invalid argument "${spec}" for "--mount" flag: invalid mount type: ${type}`);
  if (type === 'tmpfs' && source) throw new MiniboxError(`invalid mount config for type "tmpfs": field Source must not be specified`);
  if (type !== 'tmpfs' && tmpfsOptions.length) throw new MiniboxError(`invalid mount config for type "${type}": tmpfs options are only valid for type "tmpfs"`);
  if (type === 'bind' && !source) throw new MiniboxError(`invalid mount config for type "bind": field Source must not be empty`);
  if (type === 'bind' && !source.startsWith('/')) throw new MiniboxError(`invalid mount config for type "bind": invalid mount path: '${source}' mount path must be absolute`);
  return {
    type,
    source: type === 'bind' ? path.posix.normalize(source) : source,
    target: targetPath(target, spec, type),
    readonly,
    createSource: false,
    ...(propagation ? { propagation } : {}),
    tmpfsOptions,
  };
}

/** Docker's RAMInBytes: 64m, 1g, 512k, 1048576 (binary units). */
function byteSize(v: string, spec: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v);
  if (!m) throw new MiniboxError(`invalid argument "${spec}" for "--mount" flag: invalid size: '${v}'`);
  const mult = 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.floor(Number(m[1]) * mult);
}

const TMPFS_FLAGS = new Set(['ro', 'rw', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev']);

/** `--tmpfs PATH[:opts]`, opts as mount(8): rw,noexec,nosuid,size=65536k,mode=1777. */
export function parseTmpfsFlag(spec: string): MountRequest {
  const colon = spec.indexOf(':');
  const target = colon === -1 ? spec : spec.slice(0, colon);
  const opts = colon === -1 ? [] : spec.slice(colon + 1).split(',').filter((o) => o !== '');
  let readonly = false;
  for (const o of opts) {
    if (o === 'ro' || o === 'rw') readonly = o === 'ro';
    else if (!TMPFS_FLAGS.has(o) && !/^size=\d+[kmg%]?$/i.test(o) && !/^mode=[0-7]{3,4}$/.test(o)) {
      throw new MiniboxError(`invalid tmpfs option ${JSON.stringify(o)} for --tmpfs ${spec}`);
    }
  }
  return { type: 'tmpfs', source: '', target: targetPath(target, spec, 'tmpfs'), readonly, createSource: false, tmpfsOptions: opts.filter((o) => o !== 'ro' && o !== 'rw') };
}

/** Every mount flag, parsed and checked; duplicate targets refused as Docker does. */
export function planMounts(flags: MountFlags): MountRequest[] {
  const out = [...flags.volumes.map(parseVolumeFlag), ...flags.mounts.map(parseMountFlag), ...flags.tmpfs.map(parseTmpfsFlag)];
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.target)) throw new MiniboxError(`Duplicate mount point: ${m.target}`);
    seen.add(m.target);
    // named and anonymous volumes come with the volume store
    if (m.type === 'volume') throw new MiniboxError('named volumes are not supported yet');
  }
  return out;
}

/** Before anything is created: a --mount bind source must exist; a -v one is made (mkdir -p, as Docker). */
export async function prepareBindSources(mounts: MountRequest[]): Promise<void> {
  for (const m of mounts) {
    if (m.type !== 'bind' || m.createSource) continue;
    try {
      await fs.stat(m.source);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      throw new MiniboxError(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
    }
  }
  for (const m of mounts) {
    if (m.type !== 'bind' || !m.createSource) continue;
    // a file (or a dir) already there is bound as it is
    if (!(await fs.stat(m.source).catch(() => undefined))) await fs.mkdir(m.source, { recursive: true });
  }
}

/** The config.json entry (runtime-spec config.md#mounts), as runc's users write it. */
export function ociMountOf(m: MountRequest): OciMount {
  if (m.type === 'tmpfs') {
    return { destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...m.tmpfsOptions, ...(m.readonly ? ['ro'] : [])] };
  }
  return { destination: m.target, type: 'bind', source: m.source, options: ['rbind', m.propagation ?? 'rprivate', ...(m.readonly ? ['ro'] : [])] };
}

const CLEARS: Record<string, string> = { rw: 'ro', exec: 'noexec', suid: 'nosuid', dev: 'nodev' };

/** A config.json mount (bind or tmpfs) for the shim; anything else in `mounts` is refused. */
export function shimMountOf(m: OciMount): ShimMount {
  if (m.type !== 'bind' && m.type !== 'tmpfs') throw new MiniboxError(`invalid config.json mount ${m.destination}: unsupported type ${m.type}`);
  const opts = new Set<string>();
  const data: string[] = [];
  for (const o of m.options ?? []) {
    if (o === 'bind' || o === 'rbind') continue;
    if (['ro', 'nosuid', 'nodev', 'noexec'].includes(o) || PROPAGATIONS.has(o)) opts.add(o);
    else if (CLEARS[o]) opts.delete(CLEARS[o]);
    else if (m.type === 'tmpfs' && /^(size=\d+[kmg%]?|mode=[0-7]{3,4})$/i.test(o)) data.push(o);
    else throw new MiniboxError(`invalid config.json mount ${m.destination}: unsupported option ${o}`);
  }
  return { type: m.type, source: m.source, target: m.destination, opts: [...opts], data };
}
