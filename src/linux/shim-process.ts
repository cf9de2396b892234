/**
 * The process-option keys of the shim's fd-3 config (native-shim/src/config/runopts.h):
 * extra groups, rlimits. Kept apart from shim.ts so each option is one line here.
 */
export interface ShimRlimit {
  type: string; // RLIMIT_NOFILE ...
  soft: number;
  hard: number;
}

export interface ShimProcessOptions {
  groupAdd?: string[]; // --group-add: gids or names in the container's /etc/group
  rlimits?: ShimRlimit[]; // --ulimit and the default nofile, set before exec
  init?: boolean; // --init: the shim's tiny init is PID 1 (native-shim/src/run/init.h)
  shmSize?: number; // --shm-size: /dev/shm's size in bytes
  sysctls?: Record<string, string>; // --sysctl, written under the container's /proc/sys
}

export function encodeProcessRecords(p: ShimProcessOptions | undefined): string[] {
  if (!p) return [];
  const out: string[] = [];
  if (p.groupAdd?.length) out.push(`groupadd=${p.groupAdd.join(',')}`);
  for (const r of p.rlimits ?? []) out.push(`rlimit=${r.type}:${r.soft}:${r.hard}`);
  if (p.init) out.push('init=1');
  if (p.shmSize !== undefined) out.push(`shmsize=${p.shmSize}`);
  for (const [k, v] of Object.entries(p.sysctls ?? {})) out.push(`sysctl=${k}=${v}`);
  return out;
}
