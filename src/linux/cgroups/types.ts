/**
 * One cgroup interface for both hierarchies. The engine speaks Limits and CgroupStats;
 * the v1 and v2 drivers (one file per controller) turn them into files.
 */
export interface Limits {
  memory?: number; // bytes (-m)
  memorySwap?: number; // bytes of memory+swap (--memory-swap); -1 = unlimited
  memoryReservation?: number; // bytes (--memory-reservation), a soft limit
  cpuQuota?: number; // µs per period (--cpus, --cpu-quota)
  cpuPeriod?: number; // µs (--cpu-period; default 100000)
  cpuShares?: number; // relative weight, Docker's 2..262144 (--cpu-shares)
  cpusetCpus?: string; // "0-1,3" (--cpuset-cpus)
  pids?: number; // max tasks (--pids-limit); -1 or 0 = unlimited
  blockIO?: BlockIO; // OCI linux.resources.blockIO (minibox-runtime): v1 blkio.*, v2 io.*
  hugepageLimits?: HugepageLimit[]; // OCI linux.resources.hugepageLimits: hugetlb.<size>.*
  unified?: Record<string, string>; // OCI linux.resources.unified: v2 files written as given (v1 refuses)
}

/** A block device by its numbers, as blkio and io files name it ("8:0"). */
export interface BlockDevice {
  major: number;
  minor: number;
}

/** OCI weightDevice entry: a per-device weight and/or leaf weight (10..1000). */
export interface DeviceWeight extends BlockDevice {
  weight?: number;
  leafWeight?: number;
}

/** OCI throttle*Device entry: bytes or operations per second on one device. */
export interface DeviceRate extends BlockDevice {
  rate: number;
}

/** OCI linux.resources.blockIO (config-linux.md "Block IO"), in v1's terms (what the spec speaks). */
export interface BlockIO {
  weight?: number; // 10..1000
  leafWeight?: number; // 10..1000 (v1 CFQ only; v2 has none)
  weightDevice?: DeviceWeight[];
  throttleReadBpsDevice?: DeviceRate[];
  throttleWriteBpsDevice?: DeviceRate[];
  throttleReadIOPSDevice?: DeviceRate[];
  throttleWriteIOPSDevice?: DeviceRate[];
}

/** OCI hugepageLimits entry: pageSize as the kernel's hugetlb files name it ("2MB", "1GB"), limit in bytes. */
export interface HugepageLimit {
  pageSize: string;
  limit: number;
}

export interface CgroupStats {
  memoryUsage: number; // bytes
  memoryLimit: number; // bytes (host memory when unlimited)
  cpuUsageNs: number; // cumulative CPU time
  pids: number;
  oomKills: number;
  blockRead: number;
  blockWrite: number;
}

export type HierarchyKind = 'v2' | 'v1';

/**
 * One device-cgroup rule in the OCI runtime spec's linux.resources.devices shape
 * (config-linux.md "Device allowlist"): type a (all), c or b (absent: a); major/minor
 * absent = any; access a subset of "rwm" (absent: rwm).
 */
export interface DeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access?: string;
}

/**
 * Who enforces the device rules on this host: the v1 `devices` controller (the driver writes
 * devices.deny/devices.allow), an eBPF BPF_PROG_TYPE_CGROUP_DEVICE program on a v2 cgroup
 * (the shim builds and attaches it before the container runs), or nothing at all.
 */
export type DeviceControl = 'v1' | 'bpf' | 'none';

/**
 * The freezer's state as the kernel reports it (v1 freezer.state; v2 cgroup.freeze plus
 * cgroup.events' `frozen`): `freezing` while a freeze waits for the last task to stop.
 * Anything but `thawed` is what `pause` and `ps` call paused: there is no other record.
 */
export type FreezerState = 'thawed' | 'freezing' | 'frozen';

export interface ContainerCgroup {
  readonly kind: HierarchyKind;
  /** Directories whose cgroup.procs the shim writes the container's pid into. */
  readonly joinPaths: string[];
  /** What the shim mounts at the container's /sys/fs/cgroup: "v2" or "v1:<hierarchies>". */
  readonly viewSpec: string;
  /** Create the cgroup (and, on v2, enable the controllers it needs in its parents). */
  create(): void;
  apply(limits: Limits): void;
  readonly deviceControl: DeviceControl;
  /** v1: write the rules, in order, to devices.deny/devices.allow. v2 and none: nothing to write. */
  applyDevices(rules: DeviceRule[]): void;
  stats(): CgroupStats;
  /** Read from the kernel each time; a cgroup that is gone (or has no freezer) reads `thawed`. */
  freezerState(): FreezerState;
  /** Freeze every task (pause); resolves once the kernel says all are frozen, else thaws again and throws. */
  freeze(): Promise<void>;
  /** Thaw every task (unpause); a cgroup already gone is fine. */
  thaw(): Promise<void>;
  /** Remove the cgroup; its processes must be gone. Missing is fine (idempotent). */
  remove(): Promise<void>;
}
