import { MiniboxError } from '../../util/errors.js';
import { expectObject, optNumber, optString, reqString } from '../../util/json.js';
import type { DeviceRule, LinuxDevice } from './devices.js';

/**
 * config.json's linux.resources.devices and linux.devices, validated when read
 * (container/spec-read.ts): a hand-edited rule must not reach the kernel half-understood.
 */
function arrayOf(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new MiniboxError(`invalid ${what}: expected an array`);
  return v;
}

function nonNegative(n: number | undefined, key: string, what: string): number | undefined {
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new MiniboxError(`invalid ${what}: "${key}" must be a non-negative integer`);
  return n;
}

export function parseDeviceRules(v: unknown, what: string): DeviceRule[] {
  return arrayOf(v, what).map((item) => {
    const o = expectObject(item, what);
    if (typeof o.allow !== 'boolean') throw new MiniboxError(`invalid ${what}: "allow" must be a boolean`);
    const type = optString(o, 'type', what);
    if (type !== undefined && type !== 'a' && type !== 'c' && type !== 'b') throw new MiniboxError(`invalid ${what}: type "${type}"`);
    const access = optString(o, 'access', what);
    if (access !== undefined && !/^[rwm]*$/.test(access)) throw new MiniboxError(`invalid ${what}: access "${access}"`);
    const major = nonNegative(optNumber(o, 'major', what), 'major', what);
    const minor = nonNegative(optNumber(o, 'minor', what), 'minor', what);
    return {
      allow: o.allow,
      ...(type !== undefined ? { type } : {}),
      ...(major !== undefined ? { major } : {}),
      ...(minor !== undefined ? { minor } : {}),
      ...(access !== undefined ? { access } : {}),
    };
  });
}

export function parseLinuxDevices(v: unknown, what: string): LinuxDevice[] {
  return arrayOf(v, what).map((item) => {
    const o = expectObject(item, what);
    const type = reqString(o, 'type', what);
    if (type !== 'c' && type !== 'b') throw new MiniboxError(`invalid ${what}: type "${type}" (c or b)`);
    const path = reqString(o, 'path', what);
    if (!path.startsWith('/') || path.includes('\n')) throw new MiniboxError(`invalid ${what}: path "${path}"`);
    const num = (key: string, fallback?: number) => {
      const n = nonNegative(optNumber(o, key, what), key, what) ?? fallback;
      if (n === undefined) throw new MiniboxError(`invalid ${what}: missing "${key}"`);
      return n;
    };
    return { path, type, major: num('major'), minor: num('minor'), fileMode: num('fileMode', 0o666) & 0o7777, uid: num('uid', 0), gid: num('gid', 0) };
  });
}
