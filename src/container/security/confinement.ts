import { MiniboxError } from '../../util/errors.js';
import { capabilitySet, ociCapabilities, type OciCapabilities } from './capabilities.js';
import { DEFAULT_SECCOMP_PROFILE } from './default-seccomp.js';
import { evaluateProfile, parseSeccompProfile, type OciSeccomp } from './seccomp-profile.js';

/**
 * A container's confinement from Docker's flags: capabilities, seccomp, no-new-privileges,
 * masked and read-only paths, and --privileged, which lifts all of them (Docker's
 * semantics). What comes out is written to config.json and drives the shim.
 */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface SecurityFlags {
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  /** --security-opt values, with a `seccomp=FILE` already replaced by the file's text (the CLI reads it, as Docker's does). */
  securityOpt: SecurityOpt[];
}

export type SecurityOpt =
  | { kind: 'seccomp-profile'; text: string }
  | { kind: 'seccomp-unconfined' }
  | { kind: 'no-new-privileges'; value: boolean }
  | { kind: 'ignored' }; // apparmor=, label=: no such LSM here

/** The kernel the container runs on: what the profile's conditions and "ALL" are evaluated against. */
export interface KernelFacts {
  lastCap: number;
  arch: string; // Docker's (GOARCH) name: amd64, arm64
  release: string;
}

export interface ContainerSecurity {
  privileged: boolean;
  capabilities: OciCapabilities;
  noNewPrivileges: boolean;
  seccomp?: OciSeccomp; // absent: unconfined
  maskedPaths: string[];
  readonlyPaths: string[];
}

/** One --security-opt value (Docker accepts `key=value` and the legacy `key:value`). */
export function parseSecurityOpt(raw: string): SecurityOpt | { kind: 'seccomp-file'; path: string } {
  const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(raw);
  const key = m?.[1];
  const value = m?.[2];
  if (key === 'no-new-privileges') {
    if (value === undefined || value === 'true') return { kind: 'no-new-privileges', value: true };
    if (value === 'false') return { kind: 'no-new-privileges', value: false };
    throw new MiniboxError(`invalid --security-opt 2: "${raw}"`);
  }
  if (key === 'seccomp' && value) return value === 'unconfined' ? { kind: 'seccomp-unconfined' } : { kind: 'seccomp-file', path: value };
  if ((key === 'apparmor' || key === 'label') && value !== undefined) return { kind: 'ignored' };
  if (value === undefined) throw new MiniboxError(`Invalid --security-opt: "${raw}"`);
  throw new MiniboxError(`invalid --security-opt 1: "${raw}"`);
}

export function containerSecurity(flags: SecurityFlags, kernel: KernelFacts): ContainerSecurity {
  const caps = capabilitySet({ add: flags.capAdd, drop: flags.capDrop, privileged: flags.privileged }, kernel.lastCap);
  let noNewPrivileges = false;
  let profileText: string | undefined;
  let unconfined = false;
  for (const o of flags.securityOpt) {
    if (o.kind === 'no-new-privileges') noNewPrivileges = o.value;
    else if (o.kind === 'seccomp-unconfined') unconfined = true;
    else if (o.kind === 'seccomp-profile') profileText = o.text;
  }
  // a bad profile is refused even when --privileged would not use it (Docker decodes it first)
  const profile = profileText !== undefined ? parseSeccompProfile(profileText) : DEFAULT_SECCOMP_PROFILE;
  const confined = !flags.privileged && !unconfined;
  const seccomp = confined ? evaluateProfile(profile, { arch: kernel.arch, capabilities: caps, kernel: kernel.release }) : undefined;
  return {
    privileged: flags.privileged,
    capabilities: ociCapabilities(caps),
    noNewPrivileges,
    ...(seccomp ? { seccomp } : {}),
    maskedPaths: flags.privileged ? [] : [...MASKED_PATHS],
    readonlyPaths: flags.privileged ? [] : [...READONLY_PATHS],
  };
}
