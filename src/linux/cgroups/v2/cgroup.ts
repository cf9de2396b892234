import path from 'node:path';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { CgroupStats, ContainerCgroup, DeviceControl, FreezerState, Limits } from '../types.js';
import { ensureDir, makeLevel, readControlOr, removeDir, removeParentIfEmpty, retryOnVanishedParent, writeControl } from '../files.js';
import { applyMemory, memoryStats } from './memory.js';
import { applyCpu, cpuUsageNs } from './cpu.js';
import { applyPids, pidsCurrent } from './pids.js';
import { applyCpuset } from './cpuset.js';
import { applyIo, ioBytes } from './io.js';
import { applyHugetlb } from '../hugetlb.js';
import { applyUnified, checkUnified } from './unified.js';
import { MiniboxError } from '../../../util/errors.js';
import { freeze, freezerState, thaw } from './freezer.js';

const WANTED = ['cpu', 'memory', 'pids', 'cpuset', 'io', 'hugetlb'];

/**
 * A container's cgroup on a unified (v2) hierarchy: <root>/minibox/<id>. Controllers are
 * enabled top-down in each parent's cgroup.subtree_control; the "minibox" parent never
 * holds processes itself, which keeps v2's no-internal-processes rule.
 */
export class V2Cgroup implements ContainerCgroup {
  readonly kind = 'v2' as const;
  readonly dir: string;
  /** Directories create() made, parents first; only with `at` (see V1Cgroup). */
  readonly createdDirs: string[] = [];

  /** `at`: the cgroup at <root>/<at> (linux.cgroupsPath); remove() then leaves its parents to the caller. */
  constructor(
    private readonly root: string,
    id: string,
    private readonly at?: string,
  ) {
    this.dir = at === undefined ? path.join(root, 'minibox', id) : path.join(root, at);
  }

  get joinPaths(): string[] {
    return [this.dir];
  }

  readonly viewSpec = 'v2';

  create(): void {
    if (this.at !== undefined) return this.createAt(this.at);
    const parent = path.dirname(this.dir);
    retryOnVanishedParent(() => {
      ensureDir(parent);
      enableControllers(this.root);
      enableControllers(parent);
      mkdirSync(this.dir);
    });
  }

  private createAt(at: string): void {
    const segments = at.split('/');
    enableControllers(this.root);
    retryOnVanishedParent(() => {
      for (let i = 1; i <= segments.length; i++) {
        const dir = path.join(this.root, ...segments.slice(0, i));
        if (!existsSync(dir) && makeLevel(dir)) this.createdDirs.push(dir);
        if (i < segments.length) enableControllers(dir);
      }
    });
  }

  apply(limits: Limits): void {
    // the OCI-only ones first: a controller the parent does not give us is refused before any write
    const has = new Set(readControlOr(this.dir, 'cgroup.controllers').split(/\s+/));
    if (limits.blockIO !== undefined && !has.has('io')) throw new MiniboxError('linux.resources.blockIO: the io cgroup controller is not available in this cgroup', 1);
    if ((limits.hugepageLimits?.length ?? 0) > 0 && !has.has('hugetlb')) throw new MiniboxError('linux.resources.hugepageLimits: the hugetlb cgroup controller is not available in this cgroup', 1);
    if (limits.unified) checkUnified(this.dir, limits.unified);
    if (limits.blockIO) applyIo(this.dir, limits.blockIO);
    if (limits.hugepageLimits) applyHugetlb(this.dir, limits.hugepageLimits, 'v2');
    applyMemory(this.dir, limits);
    applyCpu(this.dir, limits);
    applyCpuset(this.dir, limits);
    applyPids(this.dir, limits);
    if (limits.unified) applyUnified(this.dir, limits.unified);
  }

  /**
   * v2 has no devices files: the shim attaches an eBPF device program to the cgroup (from the
   * same rules, native-shim/src/security/device_filter.c). A kernel without the bpf syscall
   * has no /proc/sys/kernel/unprivileged_bpf_disabled, and then nothing can restrict devices.
   */
  get deviceControl(): DeviceControl {
    return existsSync('/proc/sys/kernel/unprivileged_bpf_disabled') ? 'bpf' : 'none';
  }

  applyDevices(): void {
    // nothing to write: the rules travel to the shim (engine/shim-config.ts)
  }

  stats(): CgroupStats {
    const mem = memoryStats(this.dir);
    const io = ioBytes(this.dir);
    return {
      memoryUsage: mem.usage,
      memoryLimit: Number.isFinite(mem.limit) ? mem.limit : hostMemory(),
      cpuUsageNs: cpuUsageNs(this.dir),
      pids: pidsCurrent(this.dir),
      oomKills: mem.oomKills,
      blockRead: io.read,
      blockWrite: io.write,
    };
  }

  freezerState(): FreezerState {
    return freezerState(this.dir);
  }

  freeze(): Promise<void> {
    return freeze(this.dir);
  }

  thaw(): Promise<void> {
    return thaw(this.dir);
  }

  async remove(): Promise<void> {
    await removeDir(this.dir);
    if (this.at === undefined) removeParentIfEmpty(path.dirname(this.dir));
  }
}

/** Enable what the parent offers of the controllers we need; one at a time so one refusal doesn't block the rest. */
function enableControllers(dir: string): void {
  const available = new Set(readControlOr(dir, 'cgroup.controllers').split(/\s+/));
  const enabled = new Set(readControlOr(dir, 'cgroup.subtree_control').split(/\s+/));
  for (const c of WANTED) {
    if (!available.has(c) || enabled.has(c)) continue;
    try {
      writeControl(dir, 'cgroup.subtree_control', `+${c}`);
    } catch {
      // EBUSY when dir has processes of its own (not ours to move): limits of c then fail clearly at apply
    }
  }
}

export function hostMemory(): number {
  const m = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
