import { MiniboxError } from '../../util/errors.js';
import { expectObject, optNumber, optStringArray, type JsonObject } from '../../util/json.js';
import { CAPABILITY_NAMES, type OciCapabilities } from './capabilities.js';
import { SECCOMP_ACTIONS, SECCOMP_OPS, type OciSeccomp, type SeccompAction, type SeccompArg, type SeccompOp } from './seccomp-profile.js';

/**
 * config.json's security fields read back (spec-read.ts): process.capabilities and
 * linux.seccomp, validated, because the shim is driven from them on every start.
 */
const WHAT = 'config.json';

export function parseOciCapabilities(v: unknown): OciCapabilities | undefined {
  if (v === undefined || v === null) return undefined;
  const o = expectObject(v, `${WHAT} process.capabilities`);
  const set = (key: keyof OciCapabilities): string[] => {
    const names = optStringArray(o, key, `${WHAT} process.capabilities`) ?? [];
    for (const n of names) if (!(CAPABILITY_NAMES as readonly string[]).includes(n)) throw new MiniboxError(`invalid ${WHAT}: unknown capability "${n}"`);
    return names;
  };
  return { bounding: set('bounding'), effective: set('effective'), permitted: set('permitted'), inheritable: set('inheritable'), ambient: set('ambient') };
}

function actionOf(v: unknown, what: string): SeccompAction {
  if (typeof v === 'string' && (SECCOMP_ACTIONS as readonly string[]).includes(v)) return v as SeccompAction;
  throw new MiniboxError(`invalid ${what}: unknown seccomp action ${JSON.stringify(v)}`);
}

function argOf(v: unknown, what: string): SeccompArg {
  const a = expectObject(v, what);
  const index = optNumber(a, 'index', what) ?? -1;
  const value = optNumber(a, 'value', what) ?? 0;
  const valueTwo = optNumber(a, 'valueTwo', what);
  const op = a.op;
  if (!Number.isInteger(index) || index < 0 || index > 5) throw new MiniboxError(`invalid ${what}: index ${index}`);
  if (typeof op !== 'string' || !(SECCOMP_OPS as readonly string[]).includes(op)) throw new MiniboxError(`invalid ${what}: op ${JSON.stringify(op)}`);
  return { index, value, ...(valueTwo !== undefined ? { valueTwo } : {}), op: op as SeccompOp };
}

function syscallOf(v: unknown): OciSeccomp['syscalls'][number] {
  const what = `${WHAT} linux.seccomp.syscalls`;
  const o: JsonObject = expectObject(v, what);
  const errnoRet = optNumber(o, 'errnoRet', what);
  const args = Array.isArray(o.args) ? o.args.map((a) => argOf(a, what)) : undefined;
  return {
    names: optStringArray(o, 'names', what) ?? [],
    action: actionOf(o.action, what),
    ...(errnoRet !== undefined ? { errnoRet } : {}),
    ...(args?.length ? { args } : {}),
  };
}

export function parseOciSeccomp(v: unknown): OciSeccomp | undefined {
  if (v === undefined || v === null) return undefined;
  const what = `${WHAT} linux.seccomp`;
  const o = expectObject(v, what);
  const defaultErrnoRet = optNumber(o, 'defaultErrnoRet', what);
  const syscalls = o.syscalls === undefined ? [] : Array.isArray(o.syscalls) ? o.syscalls : undefined;
  if (!syscalls) throw new MiniboxError(`invalid ${what}: syscalls must be an array`);
  return {
    defaultAction: actionOf(o.defaultAction, what),
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    architectures: optStringArray(o, 'architectures', what) ?? [],
    syscalls: syscalls.map(syscallOf),
  };
}
