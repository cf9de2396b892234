import type { OciSpec } from './spec.js';
import type { OciRlimit } from './ulimits.js';
import { MiniboxError } from '../util/errors.js';
import type { ShimProcessOptions } from '../linux/shim-process.js';
import { shmSizeOf, withShmSize } from './sysctls.js';

/**
 * The `run` process options beyond argv/env/cwd/user, recorded in config.json so `start`
 * runs the container the same way: --group-add (annotation: names are resolved by the
 * shim in the container's /etc/group) and rlimits (OCI process.rlimits).
 */
export interface ProcessOptions {
  groupAdd: string[];
  rlimits: OciRlimit[];
  init: boolean; // --init
  shmSize?: number; // --shm-size bytes
  sysctls: Record<string, string>; // --sysctl
}

const GROUP_ADD_ANNOTATION = 'io.minibox.groupadd';
/** --init, which Docker keeps in HostConfig.Init. */
const INIT_ANNOTATION = 'io.minibox.init';

/** --group-add values: a gid or a group name; a list separator or control byte is refused. */
export function checkGroupAdd(groups: string[]): string[] {
  for (const g of groups) {
    if (g === '' || /[,:\s\0]/.test(g)) throw new MiniboxError(`invalid argument "${g}" for "--group-add" flag: invalid group name or gid`);
  }
  return groups;
}

export function withProcessOptions(given: OciSpec, o: ProcessOptions): OciSpec {
  const spec = o.shmSize !== undefined ? withShmSize(given, o.shmSize) : given;
  return {
    ...spec,
    linux: { ...spec.linux, ...(Object.keys(o.sysctls).length ? { sysctl: o.sysctls } : {}) },
    process: { ...spec.process, ...(o.rlimits.length ? { rlimits: o.rlimits } : {}) },
    annotations: {
      ...spec.annotations,
      ...(o.groupAdd.length ? { [GROUP_ADD_ANNOTATION]: o.groupAdd.join(',') } : {}),
      ...(o.init ? { [INIT_ANNOTATION]: 'true' } : {}),
    },
  };
}

/** What the shim is told, from config.json. */
export function shimProcessOf(spec: OciSpec): ShimProcessOptions {
  const groups = spec.annotations[GROUP_ADD_ANNOTATION];
  return {
    ...(groups ? { groupAdd: groups.split(',') } : {}),
    ...(spec.process.rlimits?.length ? { rlimits: spec.process.rlimits } : {}),
    ...(hasInit(spec) ? { init: true } : {}),
    ...(shmSizeOf(spec) !== undefined ? { shmSize: shmSizeOf(spec) } : {}),
    ...(spec.linux.sysctl && Object.keys(spec.linux.sysctl).length ? { sysctls: spec.linux.sysctl } : {}),
  };
}

export function hasInit(spec: OciSpec): boolean {
  return spec.annotations[INIT_ANNOTATION] === 'true';
}

/** inspect's HostConfig fields of these options. */
export function processHostConfig(spec: OciSpec): { Init: boolean; GroupAdd: string[] | null; Ulimits: { Name: string; Soft: number; Hard: number }[] | null } {
  const groups = spec.annotations[GROUP_ADD_ANNOTATION];
  const ulimits = (spec.process.rlimits ?? []).map((r) => ({ Name: r.type.replace(/^RLIMIT_/, '').toLowerCase(), Soft: r.soft, Hard: r.hard }));
  return { Init: hasInit(spec), GroupAdd: groups ? groups.split(',') : null, Ulimits: ulimits.length ? ulimits : null };
}
