import { lowerDirsOf, userMountsOf, userOf, type OciSpec } from '../container/spec.js';
import type { ContainerDirs } from '../container/store.js';
import { deviceRulesOf, effectiveDeviceRules } from '../container/security/devices.js';
import { seccompCacheDir, shimSecurityOf } from '../container/security/shim-security.js';
import { statePaths } from '../util/paths.js';
import { shimMountOf } from '../container/mounts.js';
import { shimProcessOf } from '../container/process-options.js';
import { deviceRuleLine, type ContainerCgroup } from '../linux/cgroups/index.js';
import type { ShimConfig, ShimDeviceFilter, ShimRunOptions } from '../linux/shim.js';

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
    ...(userOf(spec) !== undefined ? { user: userOf(spec) } : {}),
    ...(cgroup.deviceControl === 'bpf' ? { deviceFilter: deviceFilterOf(spec) } : {}),
    ...(spec.linux.devices?.length ? { deviceNodes: spec.linux.devices } : {}),
    process: shimProcessOf(spec),
    ...(userMountsOf(spec).length ? { mounts: userMountsOf(spec).map(shimMountOf) } : {}),
    ...(spec.root.readonly ? { readonlyRootfs: true } : {}),
    security: shimSecurityOf(spec, seccompCacheDir(statePaths().root)),
  };
}

/** v2: the recorded rules as the eBPF program must enforce them (what v1's kernel would leave). */
function deviceFilterOf(spec: OciSpec): ShimDeviceFilter {
  const { defaultAllow, exceptions } = effectiveDeviceRules(deviceRulesOf(spec.linux.resources));
  return { defaultAllow, exceptions: exceptions.map(deviceRuleLine) };
}
