import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, type JsonObject } from '../util/json.js';
import { parseOciSpec } from '../container/spec-read.js';
import { limitsOf, type OciMount, type OciSpec } from '../container/spec.js';
import { shimMountOf } from '../container/mounts.js';
import { shimSecurityOf } from '../container/security/shim-security.js';
import { DEFAULT_DEVICE_RULES, effectiveDeviceRules, type DeviceRule } from '../container/security/devices.js';
import { deviceRuleLine, type Limits } from '../linux/cgroups/index.js';
import type { ShimConfig } from '../linux/shim.js';

/**
 * An OCI bundle's config.json as the shim's fd-3 config. The file is read by minibox's own
 * parser (container/spec-read.ts parseOciSpec: one description of a container); what that
 * parser leaves out and a bundle may say (namespace paths, user namespaces, additionalGids,
 * terminal, hooks…) is checked here against the raw JSON, and anything the shim cannot honour
 * is refused by name rather than silently dropped. Pure: the cgroup comes in as plain facts.
 */
export interface CgroupFacts {
  joinPaths: string[];
  viewSpec: string;
  deviceControl: 'v1' | 'bpf' | 'none';
}

export interface Translation {
  spec: OciSpec;
  rootfs: string; // absolute
  shim: ShimConfig;
  limits: Limits; // for the cgroup driver, before the init joins
  deviceRules: DeviceRule[]; // the device cgroup, in order (v1 writes them; v2's program is in shim)
  annotations: Record<string, string>;
}

/** Mounts the shim always makes itself, by destination and type. */
const STANDARD: Record<string, string> = {
  '/proc': 'proc',
  '/dev': 'tmpfs',
  '/dev/pts': 'devpts',
  '/dev/shm': 'tmpfs',
  '/dev/mqueue': 'mqueue',
  '/sys': 'sysfs',
  '/sys/fs/cgroup': 'cgroup',
};

/** The kernel's atime modes: the shim's mounts take its defaults (relatime). */
const IGNORED_OPTIONS = new Set(['relatime', 'strictatime', 'noatime', 'nodiratime', 'norelatime', 'nostrictatime']);

const UNSUPPORTED_TOP = ['hooks'] as const;
const UNSUPPORTED_LINUX = ['uidMappings', 'gidMappings', 'intelRdt', 'personality', 'timeOffsets'] as const;
const UNSUPPORTED_PROCESS = ['apparmorProfile', 'selinuxLabel', 'ioPriority', 'scheduler', 'execCPUAffinity'] as const;

function refuse(what: string): never {
  throw new MiniboxError(`config.json: ${what} is not supported by minibox-runtime`, 1);
}

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** linux.namespaces: every kind the shim makes new must be asked for; paths and user are refused. */
function namespacesOf(linux: JsonObject): { network: boolean } {
  const list = Array.isArray(linux.namespaces) ? linux.namespaces : [];
  const types = new Set<string>();
  for (const n of list) {
    const o = expectObject(n, 'config.json linux.namespaces entry');
    const type = typeof o.type === 'string' ? o.type : '';
    if (typeof o.path === 'string' && o.path !== '') refuse(`joining the ${type} namespace at ${o.path} (linux.namespaces path)`);
    if (!['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'].includes(type)) throw new MiniboxError(`config.json: unknown namespace type "${type}"`, 1);
    if (type === 'user' || type === 'time') refuse(`a ${type} namespace`);
    types.add(type);
  }
  for (const t of ['pid', 'mount', 'ipc', 'uts']) if (!types.has(t)) refuse(`sharing the host's ${t} namespace (add {"type":"${t}"} to linux.namespaces)`);
  return { network: types.has('network') };
}

function checkUnsupported(raw: JsonObject): void {
  for (const k of UNSUPPORTED_TOP) if (nonEmpty(raw[k])) refuse(k);
  const linux = isObject(raw.linux) ? raw.linux : {};
  for (const k of UNSUPPORTED_LINUX) if (nonEmpty(linux[k])) refuse(`linux.${k}`);
  if (typeof linux.rootfsPropagation === 'string' && !['', 'private', 'rprivate'].includes(linux.rootfsPropagation)) refuse(`linux.rootfsPropagation "${linux.rootfsPropagation}"`);
  if (typeof linux.mountLabel === 'string' && linux.mountLabel !== '') refuse('linux.mountLabel');
  const proc = isObject(raw.process) ? raw.process : {};
  for (const k of UNSUPPORTED_PROCESS) if (nonEmpty(proc[k])) refuse(`process.${k}`);
  if (proc.terminal === true) refuse('process.terminal true (no --console-socket yet)');
  if (proc.oomScoreAdj !== undefined) refuse('process.oomScoreAdj');
  // the shim's init sets 022 (Docker's and podman's default); another umask is refused
  if (isObject(proc.user) && proc.user.umask !== undefined && proc.user.umask !== 0o022) refuse(`process.user.umask ${String(proc.user.umask)} (only 18, 0022)`);
  const res = isObject(linux.resources) ? linux.resources : {};
  for (const k of ['blockIO', 'hugepageLimits', 'network', 'rdma', 'unified']) if (nonEmpty(res[k])) refuse(`linux.resources.${k}`);
}

function additionalGids(raw: JsonObject): string[] {
  const proc = isObject(raw.process) ? raw.process : {};
  const user = isObject(proc.user) ? proc.user : {};
  const gids = user.additionalGids;
  if (gids === undefined || gids === null) return [];
  if (!Array.isArray(gids) || !gids.every((g) => Number.isSafeInteger(g) && (g as number) >= 0)) throw new MiniboxError('invalid config.json process.user.additionalGids: expected an array of gids', 1);
  return gids.map(String);
}

/** The bundle's own mounts for the shim: standard ones are the shim's, bind/tmpfs are passed on. */
function userMounts(mounts: OciMount[], bundle: string): OciMount[] {
  const out: OciMount[] = [];
  for (const m of mounts) {
    const dest = path.posix.normalize(m.destination).replace(/(.)\/+$/, '$1');
    if (!dest.startsWith('/')) throw new MiniboxError(`config.json mount ${m.destination}: destination must be absolute`, 1);
    if (STANDARD[dest] === m.type) continue;
    const options = (m.options ?? []).filter((o) => !IGNORED_OPTIONS.has(o));
    const isBind = m.type === 'bind' || options.includes('bind') || options.includes('rbind');
    if (isBind) {
      out.push({ destination: dest, type: 'bind', source: path.resolve(bundle, m.source), options });
    } else if (m.type === 'tmpfs') {
      out.push({ destination: dest, type: 'tmpfs', source: m.source, options });
    } else {
      refuse(`a ${m.type} mount at ${dest} (the shim makes /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys and /sys/fs/cgroup itself; others may be bind or tmpfs)`);
    }
  }
  return out;
}

export interface TranslateInput {
  id: string;
  bundle: string; // absolute
  raw: unknown; // config.json as read
  cgroup: CgroupFacts;
  seccompCacheDir?: string;
}

export function translateBundle(input: TranslateInput): Translation {
  const raw = expectObject(input.raw, 'config.json');
  checkUnsupported(raw);
  const spec = parseOciSpec(raw);
  const linuxRaw = isObject(raw.linux) ? raw.linux : {};
  const { network } = namespacesOf(linuxRaw);
  if (!spec.process.cwd.startsWith('/')) throw new MiniboxError(`invalid config.json process.cwd: must be absolute: ${spec.process.cwd}`, 1);
  if (spec.process.args.length === 0 || spec.process.args[0] === '') throw new MiniboxError('invalid config.json process.args: must not be empty', 1);
  const rootfs = path.resolve(input.bundle, spec.root.path);
  // OCI: absent capabilities are no capabilities (Docker's default set is minibox's own choice)
  const caps = spec.process.capabilities ?? { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
  const ociSpec: OciSpec = { ...spec, process: { ...spec.process, capabilities: caps }, annotations: {} };
  const security = shimSecurityOf(ociSpec, input.seccompCacheDir);
  const mounts = userMounts(spec.mounts, input.bundle).map(shimMountOf);
  const { uid, gid } = spec.process.user;
  const groups = additionalGids(raw);
  const deviceRules = [...(spec.linux.resources.devices ?? []), ...DEFAULT_DEVICE_RULES.filter((r) => r.type !== undefined && r.type !== 'a')];
  const effective = effectiveDeviceRules(deviceRules);
  const shim: ShimConfig = {
    id: input.id,
    rootfs,
    lowerDirs: [],
    upper: '',
    work: '',
    hostname: spec.hostname,
    cwd: spec.process.cwd,
    args: spec.process.args,
    env: spec.process.env,
    cgroups: input.cgroup.joinPaths,
    cgroupView: input.cgroup.viewSpec,
    netRecords: [`net.mode=${network ? 'none' : 'host'}`],
    user: `${uid}:${gid}`,
    ...(input.cgroup.deviceControl === 'bpf' ? { deviceFilter: { defaultAllow: effective.defaultAllow, exceptions: effective.exceptions.map(deviceRuleLine) } } : {}),
    ...(spec.linux.devices?.length ? { deviceNodes: spec.linux.devices } : {}),
    process: {
      ...(groups.length ? { groupAdd: groups } : {}),
      ...(spec.process.rlimits?.length ? { rlimits: spec.process.rlimits } : {}),
      ...(spec.linux.sysctl && Object.keys(spec.linux.sysctl).length ? { sysctls: spec.linux.sysctl } : {}),
    },
    ...(mounts.length ? { mounts } : {}),
    ...(spec.root.readonly ? { readonlyRootfs: true } : {}),
    security,
  };
  return { spec, rootfs, shim, limits: limitsOf(spec.linux.resources), deviceRules, annotations: spec.annotations };
}
