import { lowerDirsOf, type OciSpec } from '../container/spec.js';
import type { ContainerDirs } from '../container/store.js';
import type { ContainerCgroup } from '../linux/cgroups/index.js';
import type { ShimConfig, ShimRunOptions } from '../linux/shim.js';

/**
 * What the shim is told to run, from the container's config.json (its spec), its record
 * directories, its cgroup and its network: the same for `run` and `start`, so a started
 * container runs as it first ran.
 */
export function shimConfigFor(
  id: string,
  spec: OciSpec,
  dirs: ContainerDirs,
  cgroup: ContainerCgroup,
  netRecords: string[],
  run: ShimRunOptions,
): ShimConfig {
  return {
    id,
    rootfs: dirs.rootfs,
    lowerDirs: lowerDirsOf(spec),
    upper: dirs.upper,
    work: dirs.work,
    hostname: spec.hostname,
    cwd: spec.process.cwd,
    args: spec.process.args,
    env: spec.process.env,
    cgroups: cgroup.joinPaths,
    cgroupView: cgroup.viewSpec,
    netRecords,
    run,
  };
}
