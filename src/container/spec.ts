import type { ContainerProcess } from './process.js';

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
  process: ContainerProcess;
  hostname: string;
  terminal: boolean;
  imageRef: string;
  imageId: string;
  lowerDirs: string[]; // bottom → top
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
