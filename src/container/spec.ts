import type { ContainerProcess } from './process.js';
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

export interface OciResources {
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
  pids?: { limit: number };
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
      'io.minibox.rootfs.lower': input.lowerDirs.join(':'),
    },
  };
}
