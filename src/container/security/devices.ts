import type { DeviceRule } from '../../linux/cgroups/types.js';
import { MiniboxError } from '../../util/errors.js';
import type { HostDeviceInfo } from '../../linux/devices.js';

/**
 * Which devices a container may use, as Docker decides it: the device-cgroup rules
 * (linux.resources.devices) and the extra nodes made in its /dev (linux.devices). Pure: the
 * host's device nodes come in through a DeviceLookup (src/linux/devices.ts).
 */
export type { DeviceRule } from '../../linux/cgroups/types.js';

/** One extra device node, in the OCI runtime spec's linux.devices shape. */
export interface LinuxDevice {
  path: string; // inside the container
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number; // permission bits of the host node
  uid: number;
  gid: number;
}

const rwm = (type: 'c' | 'b', major: number | undefined, minor: number | undefined, access = 'rwm'): DeviceRule => ({
  allow: true,
  type,
  ...(major !== undefined ? { major } : {}),
  ...(minor !== undefined ? { minor } : {}),
  access,
});

/**
 * Docker's default rules in the order they reach the kernel: moby's spec (deny all; null,
 * zero, full... as in oci/defaults.go, with /dev/fuse denied), then what runc appends to every
 * container (mknod of any node, pts, ptmx, full, tun). So `mknod` of a host disk succeeds but
 * opening it does not.
 */
const MOBY_DEFAULT: DeviceRule[] = [
  { allow: false, access: 'rwm' },
  rwm('c', 1, 5), // zero
  rwm('c', 1, 3), // null
  rwm('c', 1, 9), // urandom
  rwm('c', 1, 8), // random
  rwm('c', 5, 0), // tty
  rwm('c', 5, 1), // console
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // fuse
];

const RUNC_APPENDED: DeviceRule[] = [
  rwm('c', undefined, undefined, 'm'), // mknod of any char device
  rwm('b', undefined, undefined, 'm'), // ... and block device
  rwm('c', 1, 7), // full
  rwm('c', 136, undefined), // /dev/pts/*
  rwm('c', 5, 2), // ptmx
  rwm('c', 10, 200), // /dev/net/tun
];

export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [...MOBY_DEFAULT, ...RUNC_APPENDED];

/** --privileged: every device, as Docker's `a *:* rwm`. */
export const PRIVILEGED_DEVICE_RULES: readonly DeviceRule[] = [{ allow: true, access: 'rwm' }];

/** A host device node as stat(2) describes it (read by src/linux/devices.ts). */
export type HostDevice = HostDeviceInfo;

/** The host side: stat a node (undefined: not a device; throws with an errno code), walk a tree. */
export interface DeviceLookup {
  device(path: string): HostDevice | undefined;
  /** Every device node under dir (symlinks not followed), with its host path. */
  devicesUnder(dir: string): Array<{ path: string; device: HostDevice }>;
  /** All of the host's /dev that --privileged passes on (Docker skips pts, shm, mqueue, console...). */
  hostDevices(): Array<{ path: string; device: HostDevice }>;
}

/** `--device HOST[:CTR][:rwm]` once the CLI's checks passed. */
export interface DeviceMapping {
  host: string;
  container: string;
  access: string;
}

/** r, w and m, each at most once: Docker's validDeviceMode. */
export function isDeviceMode(mode: string): boolean {
  return mode.length > 0 && /^[rwm]+$/.test(mode) && new Set(mode).size === mode.length;
}

/** Docker's --device parsing and checks (cli opts.ValidateDevice), with its messages. */
export function parseDeviceFlag(value: string): DeviceMapping {
  const bad = (why: string) => new MiniboxError(`invalid argument "${value}" for "--device" flag: ${why}`);
  const parts = value.split(':');
  if (parts.length > 3 || !parts[0]) throw bad(`bad format for path: ${value}`);
  const [host, second, third] = parts as [string, string?, string?];
  let container = host;
  let access = 'rwm';
  if (third !== undefined) {
    if (!isDeviceMode(third)) throw bad(`bad mode specified: ${third}`);
    container = second ?? '';
    access = third;
  } else if (second !== undefined) {
    if (isDeviceMode(second)) access = second;
    else container = second;
  }
  if (!container.startsWith('/')) throw bad(`${container} is not an absolute path`);
  return { host, container: cleanPath(container), access };
}

function cleanPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

const GO_ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  EPERM: 'operation not permitted',
};

function errnoText(err: unknown): string {
  const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
  return GO_ERRNO[code] ?? (err instanceof Error ? err.message : String(err));
}

function node(path: string, d: HostDevice): LinuxDevice {
  return { path, type: d.type, major: d.major, minor: d.minor, fileMode: d.mode, uid: d.uid, gid: d.gid };
}

function ruleFor(d: HostDevice, access: string): DeviceRule {
  return { allow: true, type: d.type, major: d.major, minor: d.minor, access };
}

/**
 * One --device: the node (or, for a directory, every node under it, as Docker does) and its
 * allow rule. Docker's wording when there is nothing to add.
 */
export function resolveDevice(m: DeviceMapping, lookup: DeviceLookup): { nodes: LinuxDevice[]; rules: DeviceRule[] } {
  let why: string;
  try {
    const d = lookup.device(m.host);
    if (d) return { nodes: [node(m.container, d)], rules: [ruleFor(d, m.access)] };
    why = 'not a device node';
    const under = lookup.devicesUnder(m.host);
    if (under.length > 0) {
      return {
        nodes: under.map((u) => node(m.container + u.path.slice(m.host.replace(/\/+$/, '').length), u.device)),
        rules: under.map((u) => ruleFor(u.device, m.access)),
      };
    }
  } catch (err) {
    why = errnoText(err);
  }
  throw new MiniboxError(`error gathering device information while adding custom device "${m.host}": ${why}`);
}

export interface DeviceFlags {
  devices: string[]; // --device values
  privileged: boolean;
}

/** The container's device rules and extra nodes, from --device and --privileged. */
export function planDevices(flags: DeviceFlags, lookup: DeviceLookup): { rules: DeviceRule[]; nodes: LinuxDevice[] } {
  if (flags.privileged) {
    // Docker ignores --device under --privileged: every host device is there already
    return { rules: [...PRIVILEGED_DEVICE_RULES], nodes: lookup.hostDevices().map((h) => node(h.path, h.device)) };
  }
  const nodes: LinuxDevice[] = [];
  const extra: DeviceRule[] = [];
  for (const value of flags.devices) {
    const r = resolveDevice(parseDeviceFlag(value), lookup);
    nodes.push(...r.nodes);
    extra.push(...r.rules);
  }
  return { rules: [...MOBY_DEFAULT, ...extra, ...RUNC_APPENDED], nodes };
}

/** The recorded rules of a container (one made before they were recorded gets the defaults). */
export function deviceRulesOf(resources: { devices?: DeviceRule[] }): DeviceRule[] {
  return resources.devices ?? [...DEFAULT_DEVICE_RULES];
}

/**
 * What a rule list leaves in force, computed as the v1 kernel applies it (the eBPF program on
 * v2 must mean the same): a default and the exceptions to it. `a` sets the default and drops
 * every exception; a rule against the default adds (or widens) an exception; a rule with the
 * default narrows the exactly matching exception, dropping it once no access is left.
 */
export function effectiveDeviceRules(rules: readonly DeviceRule[]): { defaultAllow: boolean; exceptions: DeviceRule[] } {
  let defaultAllow = true; // a fresh cgroup restricts nothing
  let exceptions: DeviceRule[] = [];
  const same = (a: DeviceRule, b: DeviceRule) => a.type === b.type && a.major === b.major && a.minor === b.minor;
  for (const r of rules) {
    if ((r.type ?? 'a') === 'a') {
      defaultAllow = r.allow;
      exceptions = [];
      continue;
    }
    const access = r.access ?? 'rwm';
    const match = exceptions.find((e) => same(e, r));
    if (r.allow !== defaultAllow) {
      if (match) match.access = 'rwm'.split('').filter((c) => (match.access ?? '').includes(c) || access.includes(c)).join('');
      else exceptions.push({ ...r, access: 'rwm'.split('').filter((c) => access.includes(c)).join('') });
    } else if (match) {
      match.access = (match.access ?? '').split('').filter((c) => !access.includes(c)).join('');
      if (match.access === '') exceptions = exceptions.filter((e) => e !== match);
    }
  }
  return { defaultAllow, exceptions };
}
