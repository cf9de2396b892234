import { MiniboxError } from '../../util/errors.js';
import { expectObject, isObject, optNumber, optString, optStringArray, type JsonObject } from '../../util/json.js';

/**
 * Docker's seccomp profile format (what `--security-opt seccomp=FILE` takes, written for Docker
 * unchanged) and its evaluation for one container: the `includes`/`excludes` conditions of each
 * rule against the container's capabilities, the machine's architecture and the kernel version,
 * as Docker's daemon does before handing runc an OCI linux.seccomp.
 */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG',
] as const;
export type SeccompAction = (typeof SECCOMP_ACTIONS)[number];

export const SECCOMP_OPS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'] as const;
export type SeccompOp = (typeof SECCOMP_OPS)[number];

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOp;
}

interface Condition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface ProfileRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
  includes?: Condition;
  excludes?: Condition;
}

export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  syscalls: ProfileRule[];
}

/** The OCI runtime spec's linux.seccomp (config-linux.md), what config.json records and the shim loads. */
export interface OciSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: { names: string[]; action: SeccompAction; errnoRet?: number; args?: SeccompArg[] }[];
}

/** Where a profile is evaluated: Docker's arch name (GOARCH style), the bounding set, the kernel. */
export interface SeccompContext {
  arch: string; // "amd64", "arm64", ...
  capabilities: string[];
  kernel: string; // uname release, e.g. "6.1.0-18-amd64"
}

function bad(detail: string): MiniboxError {
  return new MiniboxError(`Decoding seccomp profile failed: ${detail}`);
}

/** JSON text → a validated profile; Docker's wording for what is wrong. */
export function parseSeccompProfile(text: string): SeccompProfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(err instanceof Error ? err.message : String(err));
  }
  if (!isObject(json)) throw bad('expected a JSON object');
  return profileOf(json);
}

function profileOf(o: JsonObject): SeccompProfile {
  const what = 'seccomp profile';
  const architectures = optStringArray(o, 'architectures', what);
  const archMap = o.archMap === undefined || o.archMap === null ? undefined : arrayOf(o.archMap, 'archMap').map(archMapEntry);
  if (architectures?.length && archMap?.length) throw bad("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  const defaultErrnoRet = optNumber(o, 'defaultErrnoRet', what);
  return {
    defaultAction: action(o.defaultAction, 'defaultAction'),
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet: errnoOf(defaultErrnoRet) } : {}),
    ...(architectures ? { architectures } : {}),
    ...(archMap ? { archMap } : {}),
    syscalls: arrayOf(o.syscalls, 'syscalls').map(ruleOf),
  };
}

function archMapEntry(v: unknown): { architecture: string; subArchitectures: string[] } {
  const o = expectObject(v, 'seccomp profile archMap entry');
  const architecture = optString(o, 'architecture', 'seccomp archMap');
  if (!architecture) throw bad('archMap entry without an architecture');
  return { architecture, subArchitectures: optStringArray(o, 'subArchitectures', 'seccomp archMap') ?? [] };
}

function ruleOf(v: unknown): ProfileRule {
  if (!isObject(v)) throw bad('a syscalls entry is not an object');
  const what = 'seccomp profile syscall';
  const name = optString(v, 'name', what);
  const names = optStringArray(v, 'names', what) ?? [];
  if (name && names.length) throw bad("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  const all = name ? [name] : names;
  for (const n of all) if (!/^[a-z0-9_]+$/.test(n)) throw bad(`invalid syscall name ${JSON.stringify(n)}`);
  const errnoRet = optNumber(v, 'errnoRet', what);
  const args = v.args === undefined || v.args === null ? [] : arrayOf(v.args, 'args').map(argOf);
  const includes = conditionOf(v.includes);
  const excludes = conditionOf(v.excludes);
  return {
    names: all,
    action: action(v.action, 'action'),
    ...(errnoRet !== undefined ? { errnoRet: errnoOf(errnoRet) } : {}),
    ...(args.length ? { args } : {}),
    ...(includes ? { includes } : {}),
    ...(excludes ? { excludes } : {}),
  };
}

function argOf(v: unknown): SeccompArg {
  if (!isObject(v)) throw bad('a syscall argument is not an object');
  const index = v.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5) throw bad(`invalid argument index ${JSON.stringify(index)}`);
  const op = v.op;
  if (typeof op !== 'string' || !(SECCOMP_OPS as readonly string[]).includes(op)) throw bad(`unrecognized operator ${JSON.stringify(op)}`);
  const valueTwo = v.valueTwo === undefined ? undefined : u64(v.valueTwo, 'valueTwo');
  return { index, value: u64(v.value ?? 0, 'value'), ...(valueTwo !== undefined && valueTwo !== 0 ? { valueTwo } : {}), op: op as SeccompOp };
}

/** An argument value: a non-negative integer (JSON numbers are exact up to 2^53, enough for flag masks). */
function u64(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`invalid ${key} ${JSON.stringify(v)}`);
  return v;
}

function conditionOf(v: unknown): Condition | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw bad('includes/excludes must be objects');
  const caps = optStringArray(v, 'caps', 'seccomp condition');
  const arches = optStringArray(v, 'arches', 'seccomp condition');
  const minKernel = optString(v, 'minKernel', 'seccomp condition');
  if (minKernel !== undefined && !/^\d+\.\d+(\.\d+)?$/.test(minKernel)) throw bad(`invalid kernel version ${JSON.stringify(minKernel)}`);
  if (!caps?.length && !arches?.length && !minKernel) return undefined;
  return { ...(caps?.length ? { caps } : {}), ...(arches?.length ? { arches } : {}), ...(minKernel ? { minKernel } : {}) };
}

function action(v: unknown, key: string): SeccompAction {
  if (typeof v === 'string' && (SECCOMP_ACTIONS as readonly string[]).includes(v)) return v as SeccompAction;
  throw bad(`unrecognized ${key} ${JSON.stringify(v)}`);
}

function errnoOf(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 4095) throw bad(`invalid errnoRet ${n}`);
  return n;
}

function arrayOf(v: unknown, key: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(`${key} must be an array`);
  return v;
}

/** Kernel "6.1.0-18-amd64" ≥ "5.8"? (Docker compares major.minor, then patch). */
export function kernelAtLeast(kernel: string, min: string): boolean {
  const k = (kernel.match(/^(\d+)\.(\d+)(?:\.(\d+))?/) ?? []).slice(1).map((x) => Number(x ?? 0));
  const m = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = k[i] ?? 0;
    const b = m[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** A rule applies when no exclude matches and every include does (Docker's order of checks). */
function applies(rule: ProfileRule, ctx: SeccompContext): boolean {
  const ex = rule.excludes;
  if (ex?.arches?.includes(ctx.arch)) return false;
  if (ex?.caps?.some((c) => ctx.capabilities.includes(c))) return false;
  if (ex?.minKernel && kernelAtLeast(ctx.kernel, ex.minKernel)) return false;
  const inc = rule.includes;
  if (inc?.arches && !inc.arches.includes(ctx.arch)) return false;
  if (inc?.caps && !inc.caps.every((c) => ctx.capabilities.includes(c))) return false;
  if (inc?.minKernel && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false;
  return true;
}

/** Docker's arch name → the SCMP_ARCH_* of the native architecture (archMap's key). */
const NATIVE_ARCH: Record<string, string> = { amd64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', '386': 'SCMP_ARCH_X86', arm: 'SCMP_ARCH_ARM' };

/** The profile evaluated for one container: the OCI linux.seccomp the shim loads. */
export function evaluateProfile(p: SeccompProfile, ctx: SeccompContext): OciSeccomp {
  const native = NATIVE_ARCH[ctx.arch];
  let architectures = p.architectures ?? [];
  const mapped = p.archMap?.find((a) => a.architecture === native);
  if (mapped) architectures = [mapped.architecture, ...mapped.subArchitectures];
  const syscalls = p.syscalls
    .filter((r) => r.names.length > 0 && applies(r, ctx))
    .map((r) => ({ names: r.names, action: r.action, ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}), ...(r.args ? { args: r.args } : {}) }));
  return { defaultAction: p.defaultAction, ...(p.defaultErrnoRet !== undefined ? { defaultErrnoRet: p.defaultErrnoRet } : {}), architectures, syscalls };
}
