import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, type JsonObject } from '../util/json.js';
import { parseOciSpec } from '../container/spec-read.js';
import { limitsOf, type OciSpec } from '../container/spec.js';
import { shimSecurityOf } from '../container/security/shim-security.js';
import { DEFAULT_DEVICE_RULES, effectiveDeviceRules, type DeviceRule } from '../container/security/devices.js';
import { deviceRuleLine, type Limits } from '../linux/cgroups/index.js';
import type { ShimConfig } from '../linux/shim.js';
import { hookRecords, parseHooks, type OciHooks } from './hooks.js';
import { runtimeOnlyLimits } from './resources.js';
import { bundleMounts } from './bundle-mounts.js';
import { checkHostSharing, HOST_SHARABLE, NO_MOUNT_NAMESPACE } from './host-namespaces.js';

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

const UNSUPPORTED_LINUX = ['intelRdt', 'personality', 'timeOffsets'] as const;
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
 * linux.namespaces: one with a path is joined (setns, native-shim/src/run/oci_setup.h);
 * pid, ipc and uts left out are the host's (host-namespaces.ts); mount is required. Time is
 * refused; user is userNamespaceOf's.
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
    if (type === 'time') refuse('a time namespace');
    if (types.has(type)) throw new MiniboxError(`config.json: linux.namespaces has ${type} twice`, 1);
    types.add(type);
    const joined = typeof o.path === 'string' && o.path !== '';
    if (joined) {
      if (!path.isAbsolute(o.path as string) || (o.path as string).includes('\0')) throw new MiniboxError(`invalid config.json linux.namespaces ${type} path: must be absolute`, 1);
      // the user namespace's path is oci.userns (userNamespaceOf)
      if (type !== 'user') records.push(`oci.ns=${NS_RECORD[type]}:${o.path as string}`);
    }
    if (type === 'network') network = joined ? 'joined' : 'new';
  }
  if (!types.has('mount')) throw new MiniboxError(NO_MOUNT_NAMESPACE, 1);
  for (const t of HOST_SHARABLE) if (!types.has(t)) records.push(`oci.hostns=${t}`); // host-namespaces.ts
  return { network, records };
}

/** The kernel's limit on the lines of a uid_map or gid_map. */
const MAX_ID_RANGES = 340;
const MAX_ID = 2 ** 32 - 1;

/** linux.uidMappings or gidMappings as the shim's containerID:hostID:size values. */
function idMappingsOf(v: unknown, key: 'uidMappings' | 'gidMappings'): string[] {
  if (v === undefined || v === null) return [];
  const what = `invalid config.json linux.${key}`;
  if (!Array.isArray(v)) throw new MiniboxError(`${what}: expected an array of {containerID, hostID, size}`, 1);
  if (v.length > MAX_ID_RANGES) throw new MiniboxError(`${what}: ${v.length} ranges, the kernel takes at most ${MAX_ID_RANGES}`, 1);
  return v.map((m, i) => {
    const o = expectObject(m, `config.json linux.${key}[${i}]`);
    const [c, h, n] = [o.containerID, o.hostID, o.size];
    const ok = [c, h, n].every((x) => Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= MAX_ID);
    if (!ok || (n as number) < 1 || (c as number) + (n as number) - 1 > MAX_ID || (h as number) + (n as number) - 1 > MAX_ID) throw new MiniboxError(`${what}[${i}]: expected containerID, hostID and size >= 1 within 0..${MAX_ID}`, 1);
    return `${c as number}:${h as number}:${n as number}`;
  });
}

/**
 * linux.namespaces' user entry and linux.uidMappings/gidMappings as oci.userns, oci.uidmap and
 * oci.gidmap records (native-shim/src/run/userns.h), with runc's refusals: mappings without a
 * user namespace, a new one without mappings; a joined one brings its own mappings.
 */
function userNamespaceOf(linux: JsonObject): string[] {
  const list = Array.isArray(linux.namespaces) ? linux.namespaces : [];
  const user = list.find((n) => isObject(n) && n.type === 'user') as JsonObject | undefined;
  const uid = idMappingsOf(linux.uidMappings, 'uidMappings');
  const gid = idMappingsOf(linux.gidMappings, 'gidMappings');
  if (!user) {
    if (uid.length || gid.length) throw new MiniboxError('config.json: user namespace mappings specified, but user namespace isn\'t enabled in the config (add {"type":"user"} to linux.namespaces)', 1);
    return [];
  }
  if (typeof user.path === 'string' && user.path !== '') {
    if (uid.length || gid.length) throw new MiniboxError('config.json: linux.uidMappings/gidMappings with a user namespace path: the joined namespace has its own mappings (remove them)', 1);
    return [`oci.userns=${user.path}`];
  }
  if (!uid.length && !gid.length) throw new MiniboxError('config.json: user namespaces enabled, but no namespace path to join nor mappings to apply specified', 1);
  if (!uid.length || !gid.length) throw new MiniboxError(`config.json: user namespaces enabled, but no ${uid.length ? 'gid' : 'uid'} mappings found (linux.${uid.length ? 'gidMappings' : 'uidMappings'})`, 1);
  return ['oci.userns=new', ...uid.map((m) => `oci.uidmap=${m}`), ...gid.map((m) => `oci.gidmap=${m}`)];
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
  // blockIO, hugepageLimits and unified: resources.ts, written by the cgroup drivers
  for (const k of ['network', 'rdma']) if (nonEmpty(res[k])) refuse(`linux.resources.${k}`);
}

function additionalGids(raw: JsonObject): string[] {
  const proc = isObject(raw.process) ? raw.process : {};
  const user = isObject(proc.user) ? proc.user : {};
  const gids = user.additionalGids;
  if (gids === undefined || gids === null) return [];
  if (!Array.isArray(gids) || !gids.every((g) => Number.isSafeInteger(g) && (g as number) >= 0)) throw new MiniboxError('invalid config.json process.user.additionalGids: expected an array of gids', 1);
  return gids.map(String);
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
  const records = [...ns.records, ...userNamespaceOf(linuxRaw), ...processRecords(raw, input.apparmorEnabled ?? apparmorEnabled())];
  if (!spec.process.cwd.startsWith('/')) throw new MiniboxError(`invalid config.json process.cwd: must be absolute: ${spec.process.cwd}`, 1);
  if (spec.process.args.length === 0 || spec.process.args[0] === '') throw new MiniboxError('invalid config.json process.args: must not be empty', 1);
  const rootfs = path.resolve(input.bundle, spec.root.path);
  // OCI: absent capabilities are no capabilities (Docker's default set is minibox's own choice)
  const caps = spec.process.capabilities ?? { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] };
  const ociSpec: OciSpec = { ...spec, process: { ...spec.process, capabilities: caps }, annotations: {} };
  const security = shimSecurityOf(ociSpec, input.seccompCacheDir);
  // every entry, in order, at any destination (bundle-mounts.ts)
  const mounts = bundleMounts(spec.mounts, input.bundle);
  const shared = new Set(ns.records.filter((r) => r.startsWith('oci.hostns=')).map((r) => r.slice('oci.hostns='.length)));
  checkHostSharing(shared, spec.hostname, raw.domainname, spec.linux.sysctl);
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
  const limits = { ...limitsOf(spec.linux.resources), ...runtimeOnlyLimits(linuxRaw.resources, 'config.json linux.resources') };
  // config-linux.md: memory.swap is optional, and left out it limits nothing (runc writes no
  // memsw); the cgroup drivers' default of memory×2 is Docker's, for minibox's own `run -m`
  if (limits.memory !== undefined && limits.memory !== -1 && limits.memorySwap === undefined) limits.memorySwap = -1;
  return { spec, rootfs, shim, limits, deviceRules, annotations: spec.annotations, hooks, records };
}
