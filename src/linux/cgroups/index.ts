import { detectHierarchy } from './detect.js';
import type { ContainerCgroup } from './types.js';
import { V1Cgroup } from './v1/cgroup.js';
import { V2Cgroup } from './v2/cgroup.js';
import { removeDir, removeParentIfEmpty } from './files.js';

export type { ContainerCgroup, Limits, CgroupStats, DeviceRule, DeviceControl, FreezerState, BlockIO, DeviceRate, DeviceWeight, HugepageLimit } from './types.js';
export { unifiedKeyProblem } from './blockio.js';
export { deviceRuleLine } from './v1/devices.js';

/** The container's cgroup on whatever hierarchy this host mounts (v2 first, v1 fallback). */
export function containerCgroup(id: string): ContainerCgroup {
  const h = detectHierarchy();
  return h.kind === 'v2' ? new V2Cgroup(h.root, id) : new V1Cgroup(h.v1Mounts, id);
}

/**
 * The cgroup at `at` (relative to each v1 controller's mount, or the v2 root): an OCI bundle's
 * linux.cgroupsPath. Its createdDirs (after create) are what removeCreatedCgroupDirs may remove.
 */
export function cgroupAt(at: string): ContainerCgroup & { readonly createdDirs: string[] } {
  const h = detectHierarchy();
  return h.kind === 'v2' ? new V2Cgroup(h.root, at, at) : new V1Cgroup(h.v1Mounts, at, at);
}

/** rmdir what create() made, deepest first; an ancestor another cgroup still uses stays. */
export async function removeCreatedCgroupDirs(dirs: string[], leaves: string[]): Promise<void> {
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    if (leaves.includes(dir)) await removeDir(dir);
    else removeParentIfEmpty(dir);
  }
}
