import path from 'node:path';
import { existsSync } from 'node:fs';
import type { CgroupStats, ContainerCgroup, DeviceControl, DeviceRule, FreezerState, Limits } from '../types.js';
import { ensureDir, makeLevel, removeDir, removeParentIfEmpty, retryOnVanishedParent } from '../files.js';
import { MiniboxError } from '../../../util/errors.js';
import { hostMemory } from '../v2/cgroup.js';
import { applyMemory, memoryStats } from './memory.js';
import { applyCpu, cpuUsageNs } from './cpu.js';
import { applyPids, pidsCurrent } from './pids.js';
import { applyCpuset, inheritCpuset } from './cpuset.js';
import { applyBlkio, ioBytes } from './blkio.js';
import { applyHugetlb } from '../hugetlb.js';
import { applyDevices } from './devices.js';
import { freeze, freezerState, thaw } from './freezer.js';

// freezer: joined at start like the rest, so `pause` (and `cp`, engine/pause.ts) can stop every task at once;
// hugetlb where mounted, so an OCI bundle's hugepageLimits bind the cgroup the container is in
export const CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'cpuset', 'blkio', 'devices', 'freezer', 'hugetlb'] as const;
type Controller = (typeof CONTROLLERS)[number];

/**
 * A container's cgroups on a v1 (or hybrid) host: <mount of each controller>/minibox/<id>.
 * Controllers co-mounted (cpu,cpuacct) share one directory, joined once.
 */
export class V1Cgroup implements ContainerCgroup {
  readonly kind = 'v1' as const;
  private readonly dirs = new Map<Controller, string>();
  /** Directories create() made (ancestors and leaves), parents first; only with `at`. */
  readonly createdDirs: string[] = [];

  /**
   * `at`: the cgroup at <mount>/<at> in each controller (an OCI bundle's linux.cgroupsPath)
   * instead of <mount>/minibox/<id>; its ancestors are made one by one (cpuset needs cpus and
   * mems in each) and remove() leaves them to the caller (createdDirs says which are ours).
   */
  constructor(
    mounts: Map<string, string>,
    id: string,
    private readonly at?: string,
  ) {
    for (const c of CONTROLLERS) {
      const mount = mounts.get(c);
      if (mount) this.dirs.set(c, at === undefined ? path.join(mount, 'minibox', id) : path.join(mount, at));
    }
  }

  get joinPaths(): string[] {
    return [...new Set(this.dirs.values())];
  }

  /** Each joined hierarchy by the name the host mounts it under (cpu,cpuacct when co-mounted). */
  get viewSpec(): string {
    const depth = this.at === undefined ? 2 : this.at.split('/').length;
    return `v1:${this.joinPaths.map((d) => path.basename(mountOf(d, depth))).join(' ')}`;
  }

  private dir(c: Controller): string | undefined {
    return this.dirs.get(c);
  }

  create(): void {
    if (this.at !== undefined) return this.createAt(this.at);
    for (const [c, dir] of this.dirs) {
      retryOnVanishedParent(() => {
        ensureDir(path.dirname(dir));
        if (c === 'cpuset') inheritCpuset(path.dirname(dir));
        ensureDir(dir);
        if (c === 'cpuset') inheritCpuset(dir);
      });
    }
  }

  private createAt(at: string): void {
    const segments = at.split('/');
    for (const [c, leaf] of this.dirs) {
      const mount = mountOf(leaf, segments.length);
      // a shared parent another container's delete removes meanwhile: made again
      retryOnVanishedParent(() => {
        for (let i = 1; i <= segments.length; i++) {
          const dir = path.join(mount, ...segments.slice(0, i));
          if (existsSync(dir) || !makeLevel(dir)) continue;
          this.createdDirs.push(dir);
          if (c === 'cpuset') inheritCpuset(dir);
        }
      });
    }
  }

  apply(limits: Limits): void {
    // runc's validator: v1 has no unified files to write them to (before anything is written)
    if (limits.unified && Object.keys(limits.unified).length > 0) throw new MiniboxError('invalid configuration: cannot use unified on cgroup v1', 1);
    const need = (c: Controller, wanted: boolean, field?: string): string | undefined => {
      const d = this.dir(c);
      if (wanted && !d) throw new MiniboxError(`${field ? `${field}: ` : ''}the ${c} cgroup controller is not mounted on this host`, field ? 1 : 125);
      return d;
    };
    // the OCI-only ones first: a refusal (controller missing) comes before any limit is written
    const blkio = need('blkio', limits.blockIO !== undefined, 'linux.resources.blockIO');
    const hugetlb = need('hugetlb', (limits.hugepageLimits?.length ?? 0) > 0, 'linux.resources.hugepageLimits');
    if (blkio && limits.blockIO) applyBlkio(blkio, limits.blockIO);
    if (hugetlb && limits.hugepageLimits) applyHugetlb(hugetlb, limits.hugepageLimits, 'v1');
    const mem = need('memory', limits.memory !== undefined || limits.memorySwap !== undefined || limits.memoryReservation !== undefined);
    if (mem) applyMemory(mem, limits);
    const cpu = need('cpu', limits.cpuQuota !== undefined || limits.cpuShares !== undefined || limits.cpuPeriod !== undefined);
    if (cpu) applyCpu(cpu, limits);
    const cpuset = need('cpuset', limits.cpusetCpus !== undefined);
    if (cpuset) applyCpuset(cpuset, limits);
    const pids = need('pids', limits.pids !== undefined);
    if (pids) applyPids(pids, limits);
  }

  /** Without a mounted devices controller nothing restricts device access (the caller warns). */
  get deviceControl(): DeviceControl {
    return this.dirs.has('devices') ? 'v1' : 'none';
  }

  applyDevices(rules: DeviceRule[]): void {
    const dir = this.dir('devices');
    if (dir) applyDevices(dir, rules);
  }

  stats(): CgroupStats {
    const mem = this.dir('memory') ? memoryStats(this.dir('memory') ?? '') : { usage: 0, limit: 0, oomKills: 0 };
    const io = this.dir('blkio') ? ioBytes(this.dir('blkio') ?? '') : { read: 0, write: 0 };
    const host = hostMemory();
    return {
      memoryUsage: mem.usage,
      memoryLimit: mem.limit > 0 && mem.limit < host ? mem.limit : host,
      cpuUsageNs: this.dir('cpuacct') ? cpuUsageNs(this.dir('cpuacct') ?? '') : 0,
      pids: this.dir('pids') ? pidsCurrent(this.dir('pids') ?? '') : 0,
      oomKills: mem.oomKills,
      blockRead: io.read,
      blockWrite: io.write,
    };
  }

  freezerState(): FreezerState {
    const dir = this.dir('freezer');
    return dir ? freezerState(dir) : 'thawed';
  }

  async freeze(): Promise<void> {
    const dir = this.dir('freezer');
    if (!dir) throw new MiniboxError('the freezer cgroup controller is not mounted on this host', 1);
    // a container started before minibox joined the freezer has none: say so rather than ENOENT
    if (!existsSync(dir)) throw new MiniboxError(`cgroup: ${dir} does not exist: restart the container to pause it or to cp while it runs`, 1);
    await freeze(dir);
  }

  async thaw(): Promise<void> {
    const dir = this.dir('freezer');
    if (dir) await thaw(dir);
  }

  async remove(): Promise<void> {
    for (const dir of this.joinPaths) {
      await removeDir(dir);
      if (this.at === undefined) removeParentIfEmpty(path.dirname(dir));
    }
  }
}

/** The controller mount a cgroup directory `depth` levels below it sits in. */
function mountOf(dir: string, depth: number): string {
  let d = dir;
  for (let i = 0; i < depth; i++) d = path.dirname(d);
  return d;
}
