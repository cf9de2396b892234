import path from 'node:path';
import type { ShimSeccomp, ShimSecurity } from '../../linux/shim.js';
import type { OciSpec } from '../spec.js';
import { isPrivileged } from '../spec.js';
import { capabilityMask } from './capabilities.js';
import type { OciSeccomp, SeccompAction, SeccompArg } from './seccomp-profile.js';

/**
 * config.json's confinement in the shim's compact form (src/linux/shim.ts ShimSecurity): what
 * `run` and `start` both hand the shim, so a started container is confined as it first ran.
 */
/** `seccompCacheDir`: where the shim may keep compiled filters (under the state root; see seccompCacheDir). */
export function shimSecurityOf(spec: OciSpec, seccompCacheDir?: string): ShimSecurity {
  const c = spec.process.capabilities;
  return {
    privileged: isPrivileged(spec),
    ...(c
      ? {
          caps: {
            bounding: capabilityMask(c.bounding),
            effective: capabilityMask(c.effective),
            permitted: capabilityMask(c.permitted),
            inheritable: capabilityMask(c.inheritable),
            ambient: capabilityMask(c.ambient),
          },
        }
      : {}),
    noNewPrivileges: spec.process.noNewPrivileges === true,
    maskedPaths: spec.linux.maskedPaths,
    readonlyPaths: spec.linux.readonlyPaths,
    ...(spec.linux.seccomp ? { seccomp: { ...shimSeccomp(spec.linux.seccomp), ...(seccompCacheDir ? { cacheDir: seccompCacheDir } : {}) } } : {}),
  };
}

function actionWord(action: SeccompAction, errnoRet: number | undefined, fallbackErrno: number): string {
  const word = action.replace(/^SCMP_ACT_/, '').toLowerCase();
  if (action === 'SCMP_ACT_ERRNO') return `errno:${errnoRet ?? fallbackErrno}`;
  if (action === 'SCMP_ACT_TRACE') return `trace:${errnoRet ?? fallbackErrno}`;
  return word;
}

function argWord(a: SeccompArg): string {
  const op = a.op.replace(/^SCMP_CMP_/, '').toLowerCase();
  return [a.index, op, a.value, ...(a.valueTwo !== undefined ? [a.valueTwo] : [])].join(':');
}

/** EPERM, what runc returns for an ERRNO action without errnoRet. */
const EPERM = 1;

export function shimSeccomp(s: OciSeccomp): ShimSeccomp {
  return {
    defaultAction: actionWord(s.defaultAction, s.defaultErrnoRet, EPERM),
    architectures: s.architectures.map((a) => a.replace(/^SCMP_ARCH_/, '').toLowerCase()),
    rules: s.syscalls.map((r) => ({ action: actionWord(r.action, r.errnoRet, EPERM), names: r.names, args: (r.args ?? []).map(argWord) })),
  };
}

/** What an `exec`'d process gets: the container's capabilities, seccomp and no-new-privs (not its mounts). */
export function execSecurityOf(spec: OciSpec, seccompCacheDir?: string): ShimSecurity {
  return { ...shimSecurityOf(spec, seccompCacheDir), privileged: false, maskedPaths: [], readonlyPaths: [] };
}

/** The compiled-filter cache of a state root: root's alone (the shim creates it 0700). */
export function seccompCacheDir(stateRoot: string): string {
  return path.join(stateRoot, 'cache', 'seccomp');
}
