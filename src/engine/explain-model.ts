/**
 * What `explain CONTAINER` shows, as data: gathered by engine/explain.ts, drawn as a tree or
 * an SVG by the CLI. Every byte count and limit is a number; undefined is "not known" or
 * "no limit", as each field says.
 */
export interface ContainerAnatomy {
  id: string;
  name: string;
  image: string;
  imageId: string;
  status: string; // created | running | exited | dead
  running: boolean;
  initPid: number; // 0 when not running
  monitor?: { pid: number; rssBytes?: number | undefined }; // the shim that watches the container
  command: string[];
  hostname: string;
  /** Where the host's namespaces were read: /proc/1/ns, or /proc/self/ns when init's are not readable. */
  hostNamespaces: string;
  namespaces: AnatomyNamespace[];
  cgroup: AnatomyCgroup;
  layers: AnatomyLayer[]; // bottom → top
  upper: { dir: string; bytes: number };
  mounts: AnatomyMount[];
  network: AnatomyNetwork;
  security: AnatomySecurity;
}

export interface AnatomyNamespace {
  type: string; // the kernel's: pid, mnt, net, uts, ipc, cgroup, user, time
  inode?: number | undefined; // /proc/<init>/ns/<type> (running only)
  hostInode?: number | undefined; // /proc/1/ns/<type>
  isolated: boolean; // a namespace of its own (else shared with the host)
}

export interface AnatomyCgroup {
  kind: 'v1' | 'v2';
  /** As /proc/<init>/cgroup names them (running), else config.json's cgroupsPath. */
  paths: string[];
  dirs?: string[]; // the directories in the cgroup filesystem
  limits: {
    memoryBytes?: number | undefined;
    cpuQuotaUs?: number | undefined;
    cpuPeriodUs?: number | undefined;
    cpuShares?: number | undefined;
    cpuWeight?: number | undefined;
    pids?: number | undefined;
  };
  usage?: { memoryBytes: number; cpuNs: number; pids: number; oomKills: number };
}

export interface AnatomyLayer {
  index: number; // 0 = bottom
  dir: string; // snapshots/<hex of the chainID>
  chainId: string;
  diffId?: string;
  digest?: string; // the blob
  bytes?: number; // unpacked file content
  compressedBytes?: number;
  sharedWith: string[]; // other containers' names whose overlay uses this dir
}

export interface AnatomyMount {
  type: 'bind' | 'volume' | 'tmpfs';
  name?: string; // a volume's
  source: string;
  destination: string;
  readOnly: boolean;
}

export interface AnatomyNetwork {
  mode: string; // bridge, host, none, a user network's name
  endpoints: { network: string; bridge: string; veth: string; ifname: string; ip: string; prefix: number; gateway: string }[];
  ports: { hostIp: string; hostPort: number; containerPort: number; proto: string; rule?: string; dnatTo?: string }[];
}

export interface AnatomySecurity {
  privileged: boolean;
  noNewPrivileges: boolean;
  capabilities: string[]; // the bounding set, without CAP_
  seccomp?: { defaultAction: string; rules: number; syscalls: number } | undefined;
  maskedPaths: number;
  readonlyPaths: number;
  user: string; // uid:gid
}
