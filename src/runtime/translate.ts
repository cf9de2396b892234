import { readFileSync } from 'node:fs';
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
import { hookRecords, parseHooks, type OciHooks } from './hooks.js';

/**
 * An OCI bundle's config.json as the shim's fd-3 config. The file is read by minibox's own
 * parser (container/spec-read.ts parseOciSpec: one description of a container); what that
 * parser leaves out and a bundle may say (namespace paths, user namespaces, additionalGids,
 * terminal, hooks…) is checked here against the raw JSON, and anything the shim cannot honour
 * is refused by name rather than silently dropped. What only a bundle asks for (namespace
 * paths, umask, oomScoreAdj, domainname, rootfsPropagation, hooks) goes to the shim as oci.*
 * records (native-shim/src/config/ociconfig.h). Pure but for the AppArmor check (a fact
 * that can be passed in); the cgroup comes in as plain facts.
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
  hooks: OciHooks; // poststart and poststop are the runtime's (hooks.ts)
  records: string[]; // the shim's oci.* records (native-shim/src/config/ociconfig.h)
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

const UNSUPPORTED_LINUX = ['uidMappings', 'gidMappings', 'intelRdt', 'personality', 'timeOffsets'] as const;
const UNSUPPORTED_PROCESS = ['selinuxLabel', 'ioPriority', 'scheduler', 'execCPUAffinity'] as const;
/** linux.namespaces types as the shim's oci.ns records name them. */
const NS_RECORD: Record<string, string> = { network: 'net', mount: 'mnt', pid: 'pid', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup' };
const PROPAGATIONS = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable'];

function refuse(what: string): never {
  throw new MiniboxError(`config.json: ${what} is not supported by minibox-runtime`, 1);
}

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/**
 * linux.namespaces: every kind the shim makes new must be asked for; one with a path is
 * joined (setns, native-shim/src/run/oci_setup.h) instead. User and time are refused.
 */
function namespacesOf(linux: JsonObject): { network: 'new' | 'joined' | 'host'; records: string[] } {
  const list = Array.isArray(linux.namespaces) ? linux.namespaces : [];
  const types = new Set<string>();
  const records: string[] = [];
  let network: 'new' | 'joined' | 'host' = 'host';
  for (const n of list) {
    const o = expectObject(n, 'config.json linux.namespaces entry');
    const type = typeof o.type === 'string' ? o.type : '';
    if (!['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'].includes(type)) throw new MiniboxError(`config.json: unknown namespace type "${type}"`, 1);
    if (type === 'user' || type === 'time') refuse(`a ${type} namespace`);
    if (types.has(type)) throw new MiniboxError(`config.json: linux.namespaces has ${type} twice`, 1);
    types.add(type);
    const joined = typeof o.path === 'string' && o.path !== '';
    if (joined) {
      if (!path.isAbsolute(o.path as string) || (o.path as string).includes('\0')) throw new MiniboxError(`invalid config.json linux.namespaces ${type} path: must be absolute`, 1);
      records.push(`oci.ns=${NS_RECORD[type]}:${o.path as string}`);
    }
    if (type === 'network') network = joined ? 'joined' : 'new';
  }
  for (const t of ['pid', 'mount', 'ipc', 'uts']) if (!types.has(t)) refuse(`sharing the host's ${t} namespace (add {"type":"${t}"} to linux.namespaces)`);
  return { network, records };
}

/** Is AppArmor on? (a profile can only be refused clearly: the shim does not load one) */
export function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}

/** process.user.umask, process.oomScoreAdj, domainname, linux.rootfsPropagation as oci.* records. */
function processRecords(raw: JsonObject, apparmor: boolean): string[] {
  const out: string[] = [];
  const proc = isObject(raw.process) ? raw.process : {};
  const user = isObject(proc.user) ? proc.user : {};
  if (user.umask !== undefined && user.umask !== null) {
    if (!Number.isInteger(user.umask) || (user.umask as number) < 0 || (user.umask as number) > 0o777) throw new MiniboxError('invalid config.json process.user.umask: expected 0..511 (0o777)', 1);
    out.push(`oci.umask=${(user.umask as number).toString(8)}`);
  }
  if (proc.oomScoreAdj !== undefined && proc.oomScoreAdj !== null) {
    if (!Number.isInteger(proc.oomScoreAdj) || Math.abs(proc.oomScoreAdj as number) > 1000) throw new MiniboxError('invalid config.json process.oomScoreAdj: expected -1000..1000', 1);
    out.push(`oci.oomscoreadj=${proc.oomScoreAdj as number}`);
  }
  if (typeof proc.apparmorProfile === 'string' && proc.apparmorProfile !== '') {
    if (!apparmor) throw new MiniboxError(`config.json: process.apparmorProfile "${proc.apparmorProfile}" asked for, but AppArmor is not enabled on this host (remove the field)`, 1);
    refuse('process.apparmorProfile (loading AppArmor profiles)');
  }
  if (typeof raw.domainname === 'string' && raw.domainname !== '') out.push(`oci.domainname=${raw.domainname}`);
  const linux = isObject(raw.linux) ? raw.linux : {};
  const prop = linux.rootfsPropagation;
  if (typeof prop === 'string' && prop !== '') {
    if (!PROPAGATIONS.includes(prop)) throw new MiniboxError(`invalid config.json linux.rootfsPropagation "${prop}": expected one of ${PROPAGATIONS.join(', ')}`, 1);
    out.push(`oci.rootprop=${prop}`);
  }
  return out;
}

function checkUnsupported(raw: JsonObject): void {
  const linux = isObject(raw.linux) ? raw.linux : {};
  for (const k of UNSUPPORTED_LINUX) if (nonEmpty(linux[k])) refuse(`linux.${k}`);
  if (typeof linux.mountLabel === 'string' && linux.mountLabel !== '') refuse('linux.mountLabel');
  const proc = isObject(raw.process) ? raw.process : {};
  for (const k of UNSUPPORTED_PROCESS) if (nonEmpty(proc[k])) refuse(`process.${k}`);
  // process.terminal: launch.ts pairs it with --console-socket (a pty of the container's)
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
  apparmorEnabled?: boolean; // default: read from /sys/module/apparmor
}

export function translateBundle(input: TranslateInput): Translation {
  const raw = expectObject(input.raw, 'config.json');
  checkUnsupported(raw);
  const spec = parseOciSpec(raw);
  const linuxRaw = isObject(raw.linux) ? raw.linux : {};
  const ns = namespacesOf(linuxRaw);
  const hooks = parseHooks(raw.hooks);
  const records = [...ns.records, ...processRecords(raw, input.apparmorEnabled ?? apparmorEnabled())];
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
    netRecords: [`net.mode=${ns.network === 'new' ? 'none' : 'host'}`],
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
  records.push(...hookRecords(hooks, { id: input.id, bundle: input.bundle, annotations: spec.annotations }));
  return { spec, rootfs, shim, limits: limitsOf(spec.linux.resources), deviceRules, annotations: spec.annotations, hooks, records };
}
