import { detectHierarchy } from './detect.js';
import type { ContainerCgroup } from './types.js';
import { V1Cgroup } from './v1/cgroup.js';
import { V2Cgroup } from './v2/cgroup.js';

export type { ContainerCgroup, Limits, CgroupStats, DeviceRule, DeviceControl, FreezerState } from './types.js';
export { deviceRuleLine } from './v1/devices.js';

/** The container's cgroup on whatever hierarchy this host mounts (v2 first, v1 fallback). */
export function containerCgroup(id: string): ContainerCgroup {
  const h = detectHierarchy();
  return h.kind === 'v2' ? new V2Cgroup(h.root, id) : new V1Cgroup(h.v1Mounts, id);
}
