import type { ContainerProcess } from './resolve-process.js';
import type { Limits } from '../linux/cgroups/types.js';

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

/** The image's layer snapshots the rootfs is made of, bottom → top (buildSpec's annotation). */
export function lowerDirsOf(spec: OciSpec): string[] {
  const lower = spec.annotations[LOWER_ANNOTATION] ?? '';
  return lower ? lower.split(':') : [];
}

export interface OciResources {
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
  pids?: { limit: number };
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
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: input.terminal,
      user: { uid: 0, gid: 0 },
      args: input.process.args,
      env: input.process.env,
      cwd: input.process.cwd,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: input.hostname,
    mounts: STANDARD_MOUNTS,
    linux: {
      namespaces: ['pid', 'mount', 'network', 'uts', 'ipc', 'cgroup'].map((type) => ({ type })),
      cgroupsPath: `/minibox/${input.id}`,
      resources: ociResources(input.limits),
      maskedPaths: [],
      readonlyPaths: [],
    },
    annotations: {
      'org.opencontainers.image.ref.name': input.imageRef,
      'io.minibox.image.id': input.imageId,
      // overlay lower dirs, bottom → top, so the rootfs can be rebuilt from config.json alone
      [LOWER_ANNOTATION]: input.lowerDirs.join(':'),
    },
  };
}
