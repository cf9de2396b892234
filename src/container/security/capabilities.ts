import { MiniboxError } from '../../util/errors.js';

/**
 * Linux capabilities by name (capability.h numbering) and Docker's rules for a container's
 * set: the 14 defaults, --cap-add/--cap-drop with or without the CAP_ prefix in any case,
 * ALL, and --privileged = every capability the kernel knows.
 */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/** Docker's default set (oci/caps/defaults.go's list, in capability-number order). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE',
  'CAP_SETFCAP',
];

const NUMBER = new Map<string, number>(CAPABILITY_NAMES.map((n, i) => [n, i]));

/** The process.capabilities of config.json (runtime-spec config.md). */
export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
}

export interface CapabilityFlags {
  add: string[];
  drop: string[];
  privileged: boolean;
}

/** Every capability of a kernel whose /proc/sys/kernel/cap_last_cap is `lastCap`. */
export function allCapabilities(lastCap: number): string[] {
  return CAPABILITY_NAMES.filter((_, i) => i <= lastCap);
}

/** "net_raw", "NET_RAW", "cap_net_raw" → "CAP_NET_RAW"; "all" → "ALL"; unknown → Docker's error. */
function normalize(names: string[], flag: 'CapAdd' | 'CapDrop', known: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    const upper = raw.trim().toUpperCase();
    if (upper === 'ALL') {
      out.push('ALL');
      continue;
    }
    const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (!known.includes(name)) throw new MiniboxError(`invalid ${flag}: unknown capability: "${name}"`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The container's capability set, as Docker's TweakCapabilities computes it. */
export function capabilitySet(flags: CapabilityFlags, lastCap: number): string[] {
  const all = allCapabilities(lastCap);
  if (flags.privileged) return all;
  const add = normalize(flags.add, 'CapAdd', all);
  const drop = normalize(flags.drop, 'CapDrop', all);
  let caps: string[];
  if (add.includes('ALL')) caps = all.filter((c) => !drop.includes(c));
  else if (drop.includes('ALL')) caps = add;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add];
  return sortByNumber([...new Set(caps)]);
}

function sortByNumber(caps: string[]): string[] {
  return caps.sort((a, b) => (NUMBER.get(a) ?? 99) - (NUMBER.get(b) ?? 99));
}

/** One set in all four of bounding, effective, permitted, inheritable; ambient empty (as the issue asks). */
export function ociCapabilities(caps: string[]): OciCapabilities {
  return { bounding: [...caps], effective: [...caps], permitted: [...caps], inheritable: [...caps], ambient: [] };
}

/** A set as the 64-bit mask the shim takes ("00000000a80425fb"); unknown names are refused. */
export function capabilityMask(caps: string[]): string {
  let mask = 0n;
  for (const c of caps) {
    const n = NUMBER.get(c);
    if (n === undefined) throw new MiniboxError(`unknown capability: "${c}"`);
    mask |= 1n << BigInt(n);
  }
  return mask.toString(16).padStart(16, '0');
}
