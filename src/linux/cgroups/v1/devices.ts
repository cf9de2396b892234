import type { DeviceRule } from '../types.js';
import { writeControl } from '../files.js';

/**
 * v1 devices: each rule is one write, in order, to devices.allow or devices.deny
 * (Documentation/admin-guide/cgroup-v1/devices.rst). The kernel applies them as a list of
 * exceptions to a default: `a` resets the default and drops every exception, a rule against
 * the default adds an exception, a rule with it removes the matching one. Written in order
 * onto a fresh cgroup that is exactly the OCI list's meaning, so nothing is computed here.
 */
export function applyDevices(dir: string, rules: DeviceRule[]): void {
  for (const r of rules) writeControl(dir, r.allow ? 'devices.allow' : 'devices.deny', deviceRuleLine(r));
}

/** A rule in the kernel's syntax: `a`, or `c 1:3 rwm`, `b *:* m`. */
export function deviceRuleLine(r: DeviceRule): string {
  const type = r.type ?? 'a';
  if (type === 'a') return 'a';
  return `${type} ${r.major ?? '*'}:${r.minor ?? '*'} ${r.access ?? 'rwm'}`;
}
