import type { ContainerProcess } from './resolve-process.js';
import type { DeviceRule, Limits } from '../linux/cgroups/types.js';
import type { LinuxDevice } from './security/devices.js';
import type { OciCapabilities } from './security/capabilities.js';
import type { ContainerSecurity } from './security/confinement.js';
import type { OciSeccomp } from './security/seccomp-profile.js';
import type { OciRlimit } from './ulimits.js';

/**
 * The container's OCI runtime-spec config.json (runtime-spec config.md, config-linux.md):
 * the single description of the container, persisted beside state.json, shown by inspect
 * and readable by any OCI tool. minibox's shim is driven from the same values.
 */
export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities?: OciCapabilities; // absent (a container from before confinement): the shim's own set
    noNewPrivileges?: boolean;
    rlimits?: OciRlimit[]; // --ulimit and the default nofile (process-options.ts)
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: { type: string }[];
    cgroupsPath: string;
    resources: OciResources;
    maskedPaths: string[];
    readonlyPaths: string[];
    devices?: LinuxDevice[]; // extra nodes in /dev (--device, --privileged)
    seccomp?: OciSeccomp; // absent: unconfined
    sysctl?: Record<string, string>; // --sysctl (container/sysctls.ts)
  };
  annotations: Record<string, string>;
}

/** The mounts the shim sets up, described as runc's default spec does. */
const STANDARD_MOUNTS: OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
  },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
];

export interface SpecInput {
  id: string;
  process: ContainerProcess;
  hostname: string;
  terminal: boolean;
  imageRef: string;
  imageId: string;
  lowerDirs: string[]; // bottom → top
  limits: Limits;
  security: ContainerSecurity; // container/security/confinement.ts
  devices?: { rules: DeviceRule[]; nodes: LinuxDevice[] }; // container/security/devices.ts planDevices
  mounts?: OciMount[]; // -v, --mount, --tmpfs (container/mounts.ts), after the standard ones
  readonlyRootfs?: boolean; // --read-only
}

/** Limits in the runtime spec's linux.resources shape (config-linux.md). */
export function ociResources(l: Limits): OciResources {
  const r: OciResources = {};
  if (l.memory !== undefined || l.memorySwap !== undefined || l.memoryReservation !== undefined) {
    r.memory = {
      ...(l.memory !== undefined ? { limit: l.memory } : {}),
      ...(l.memorySwap !== undefined ? { swap: l.memorySwap } : {}),
      ...(l.memoryReservation !== undefined ? { reservation: l.memoryReservation } : {}),
    };
  }
  if (l.cpuQuota !== undefined || l.cpuPeriod !== undefined || l.cpuShares !== undefined || l.cpusetCpus !== undefined) {
    r.cpu = {
      ...(l.cpuShares !== undefined ? { shares: l.cpuShares } : {}),
      ...(l.cpuQuota !== undefined ? { quota: l.cpuQuota } : {}),
      ...(l.cpuPeriod !== undefined ? { period: l.cpuPeriod } : {}),
      ...(l.cpusetCpus !== undefined ? { cpus: l.cpusetCpus } : {}),
    };
  }
  if (l.pids !== undefined) r.pids = { limit: l.pids };
  return r;
}

/** Limits back from linux.resources: ociResources inverted (what `start` applies again). */
export function limitsOf(r: OciResources): Limits {
  const l: Limits = {};
  if (r.memory?.limit !== undefined) l.memory = r.memory.limit;
  if (r.memory?.swap !== undefined) l.memorySwap = r.memory.swap;
  if (r.memory?.reservation !== undefined) l.memoryReservation = r.memory.reservation;
  if (r.cpu?.shares !== undefined) l.cpuShares = r.cpu.shares;
  if (r.cpu?.quota !== undefined) l.cpuQuota = r.cpu.quota;
  if (r.cpu?.period !== undefined) l.cpuPeriod = r.cpu.period;
  if (r.cpu?.cpus !== undefined) l.cpusetCpus = r.cpu.cpus;
  if (r.pids) l.pids = r.pids.limit;
  return l;
}

const LOWER_ANNOTATION = 'io.minibox.rootfs.lower';
/** --privileged, which the OCI spec has no field for (Docker keeps it in HostConfig). */
const PRIVILEGED_ANNOTATION = 'io.minibox.privileged';

/** Was the container created with --privileged? (all devices, writable /sys; see buildSpec) */
export function isPrivileged(spec: OciSpec): boolean {
  return spec.annotations[PRIVILEGED_ANNOTATION] === 'true';
}

/** /sys read-only, except for --privileged (as Docker mounts it). */
function standardMounts(privileged: boolean): OciMount[] {
  if (!privileged) return STANDARD_MOUNTS;
  return STANDARD_MOUNTS.map((m) => (m.destination === '/sys' ? { ...m, options: (m.options ?? []).filter((o) => o !== 'ro') } : m));
}
/** The container's own mounts (-v, --mount, --tmpfs): config.json's mounts past the standard ones the shim always makes. */
export function userMountsOf(spec: OciSpec): OciMount[] {
  return spec.mounts.filter((m) => !STANDARD_MOUNTS.some((s) => s.destination === m.destination && s.source === m.source && s.type === m.type && s.type !== 'tmpfs') && !STANDARD_MOUNTS.some((s) => JSON.stringify(s) === JSON.stringify(m)));
}
/** The user as given (image USER or -u): names are resolved by the shim in the container's own passwd. */
const USER_ANNOTATION = 'io.minibox.user';

/** process.user's numbers where the spec already says them ("1000", "1000:50"); else 0 until resolved. */
function numericUser(user: string): { uid: number; gid: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  return { uid: m ? Number(m[1]) : 0, gid: m?.[2] !== undefined ? Number(m[2]) : 0 };
}

/** The user the shim runs the process as (its `user=` key); undefined = root. */
export function userOf(spec: OciSpec): string | undefined {
  const given = spec.annotations[USER_ANNOTATION];
  if (given) return given;
  const { uid, gid } = spec.process.user;
  return uid !== 0 || gid !== 0 ? `${uid}:${gid}` : undefined;
}

/** The image's layer snapshots the rootfs is made of, bottom → top (buildSpec's annotation). */
export function lowerDirsOf(spec: OciSpec): string[] {
  const lower = spec.annotations[LOWER_ANNOTATION] ?? '';
  return lower ? lower.split(':') : [];
}

export interface OciResources {
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
  pids?: { limit: number };
  devices?: DeviceRule[]; // the device cgroup, in the order applied
}

/** `update`'s new limits over the recorded ones, kind by kind (a new memory limit keeps the swap). */
export function mergeResources(current: OciResources, next: OciResources): OciResources {
  const out: OciResources = { ...current };
  if (next.memory) out.memory = { ...current.memory, ...next.memory };
  if (next.cpu) out.cpu = { ...current.cpu, ...next.cpu };
  if (next.pids) out.pids = { ...current.pids, ...next.pids };
  return out;
}

export function buildSpec(input: SpecInput): OciSpec {
  const sec = input.security;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: input.terminal,
      user: numericUser(input.process.user),
      args: input.process.args,
      env: input.process.env,
      cwd: input.process.cwd,
      capabilities: sec.capabilities,
      noNewPrivileges: sec.noNewPrivileges,
    },
    root: { path: 'rootfs', readonly: input.readonlyRootfs === true },
    hostname: input.hostname,
    mounts: [...standardMounts(sec.privileged), ...(input.mounts ?? [])],
    linux: {
      namespaces: ['pid', 'mount', 'network', 'uts', 'ipc', 'cgroup'].map((type) => ({ type })),
      cgroupsPath: `/minibox/${input.id}`,
      resources: { ...ociResources(input.limits), ...(input.devices ? { devices: input.devices.rules } : {}) },
      maskedPaths: sec.maskedPaths,
      readonlyPaths: sec.readonlyPaths,
      ...(sec.seccomp ? { seccomp: sec.seccomp } : {}),
      ...(input.devices?.nodes.length ? { devices: input.devices.nodes } : {}),
    },
    annotations: {
      // not org.opencontainers.*: the runtime spec reserves that namespace (runtime-tools refuses it)
      'io.minibox.image.ref': input.imageRef,
      'io.minibox.image.id': input.imageId,
      // overlay lower dirs, bottom → top, so the rootfs can be rebuilt from config.json alone
      [LOWER_ANNOTATION]: input.lowerDirs.join(':'),
      ...(input.process.user ? { [USER_ANNOTATION]: input.process.user } : {}),
      ...(sec.privileged ? { [PRIVILEGED_ANNOTATION]: 'true' } : {}),
    },
  };
}
