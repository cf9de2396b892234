import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { expectObject, isObject, type JsonObject } from '../util/json.js';
import { OCI_VERSION } from './default-spec.js';
import { containerDir, type RuntimeRecord } from './store.js';

/**
 * config.json's hooks (runtime-spec config.md "POSIX-platform Hooks"). The four that run
 * while the container is made go to the shim as oci.hook records (native-shim/src/run/
 * oci_hooks.h: prestart and createRuntime in the runtime's namespaces once the init's exist,
 * createContainer in its mount namespace before pivot_root, startContainer just before the
 * execve); poststart (by `start`, once the program runs) and poststop (by `delete`) run
 * here, from the copy create keeps in the container's directory. Each hook gets the
 * container's state on stdin and is killed at its timeout; a failing one of the first four
 * fails create, poststart and poststop failures are warnings (the spec's MUST/SHOULD).
 */
export const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
const SHIM_KINDS: readonly HookKind[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer'];

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number; // seconds
}
export type OciHooks = Partial<Record<HookKind, OciHook[]>>;

/** What the hooks' state says besides pid and status (runtime.md "State"). */
export interface HookStateBase {
  id: string;
  bundle: string;
  annotations: Record<string, string>;
}

function bad(where: string, what: string): never {
  throw new MiniboxError(`invalid config.json ${where}: ${what}`, 1);
}

function stringsOf(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string')) bad(where, 'expected an array of strings');
  if (v.some((s) => s.includes('\0'))) bad(where, 'contains a NUL byte');
  return v;
}

function parseHook(v: unknown, where: string): OciHook {
  const o = isObject(v) ? v : bad(where, 'expected an object');
  if (typeof o.path !== 'string' || !o.path.startsWith('/') || o.path.includes('\0')) bad(`${where}.path`, 'must be an absolute path');
  const args = stringsOf(o.args, `${where}.args`);
  const env = stringsOf(o.env, `${where}.env`);
  if (o.timeout !== undefined && (!Number.isInteger(o.timeout) || (o.timeout as number) <= 0)) bad(`${where}.timeout`, 'must be a positive number of seconds');
  return { path: o.path, ...(args ? { args } : {}), ...(env ? { env } : {}), ...(o.timeout !== undefined ? { timeout: o.timeout as number } : {}) };
}

/** config.json's `hooks`, validated; unknown kinds are refused by name. */
export function parseHooks(raw: unknown): OciHooks {
  if (raw === undefined || raw === null) return {};
  const o: JsonObject = expectObject(raw, 'config.json hooks');
  const out: OciHooks = {};
  for (const [kind, list] of Object.entries(o)) {
    if (!(HOOK_KINDS as readonly string[]).includes(kind)) throw new MiniboxError(`config.json: hooks.${kind} is not a hook minibox-runtime knows (${HOOK_KINDS.join(', ')})`, 1);
    if (list === null) continue;
    if (!Array.isArray(list)) bad(`hooks.${kind}`, 'expected an array');
    if (list.length) out[kind as HookKind] = list.map((h, i) => parseHook(h, `hooks.${kind}[${i}]`));
  }
  return out;
}

/** The state on a hook's stdin, with the pid and status split out as the shim fills them in. */
function statePieces(base: HookStateBase): { pre: string; post: string } {
  const pre = JSON.stringify({ ociVersion: OCI_VERSION, id: base.id }).replace(/}$/, ',"pid":');
  const post = `,${JSON.stringify({ bundle: base.bundle, annotations: base.annotations }).slice(1)}`;
  return { pre, post };
}

/** The shim's oci.hook records (native-shim/src/config/ociconfig.h) for the hooks it runs. */
export function hookRecords(hooks: OciHooks, base: HookStateBase): string[] {
  const out: string[] = [];
  for (const kind of SHIM_KINDS) {
    for (const h of hooks[kind] ?? []) {
      out.push(`oci.hook=${kind}`, `oci.hook.path=${h.path}`);
      for (const a of h.args ?? []) out.push(`oci.hook.arg=${a}`);
      for (const e of h.env ?? []) out.push(`oci.hook.env=${e}`);
      if (h.timeout !== undefined) out.push(`oci.hook.timeout=${h.timeout}`);
    }
  }
  if (!out.length) return [];
  const { pre, post } = statePieces(base);
  return [...out, `oci.state.pre=${pre}`, `oci.state.post=${post}`];
}

const SAVED = 'hooks.json';

/** Kept by create for start and delete (the bundle may change or go meanwhile). */
export function saveHooks(dir: string, hooks: OciHooks): void {
  const later: OciHooks = {};
  if (hooks.poststart) later.poststart = hooks.poststart;
  if (hooks.poststop) later.poststop = hooks.poststop;
  if (later.poststart || later.poststop) writeFileSync(path.join(dir, SAVED), JSON.stringify(later), { mode: 0o600 });
}

export function loadHooks(dir: string): OciHooks {
  try {
    return parseHooks(JSON.parse(readFileSync(path.join(dir, SAVED), 'utf8')));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw err;
  }
}

/** "K=V" entries as spawn's env (an entry without "=" names nothing and is dropped). */
function envObject(env: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = e.slice(i + 1);
  }
  return out;
}

/** Run one hook with the state on stdin; the reason it failed, or undefined. */
function runHook(kind: HookKind, h: OciHook, state: string): string | undefined {
  const [argv0, ...rest] = h.args ?? [h.path];
  const r = spawnSync(h.path, rest, {
    argv0,
    input: state,
    env: envObject(h.env ?? []),
    stdio: ['pipe', 'inherit', 'inherit'],
    ...(h.timeout !== undefined ? { timeout: h.timeout * 1000, killSignal: 'SIGKILL' as const } : {}),
  });
  if (r.error && errnoCode(r.error) === 'ETIMEDOUT') return `${kind} hook ${h.path}: timed out after ${h.timeout} s`;
  // EPIPE: the hook exited without reading its state, which is its right; its status tells
  if (r.error && errnoCode(r.error) !== 'EPIPE') return `${kind} hook ${h.path}: ${r.error.message}`;
  if (r.signal) return `${kind} hook ${h.path}: killed by ${r.signal}`;
  if (r.status !== 0) return `${kind} hook ${h.path}: exit status ${r.status}`;
  return undefined;
}

/**
 * poststart/poststop: every hook in order, each failure a warning on stderr (the operation
 * has happened and stands). Returns the warnings, for callers that show them otherwise.
 */
export function runRuntimeHooks(kind: 'poststart' | 'poststop', hooks: OciHooks, base: HookStateBase, pid: number, status: string): string[] {
  const state = JSON.stringify({ ociVersion: OCI_VERSION, id: base.id, pid, status, bundle: base.bundle, annotations: base.annotations });
  const warnings: string[] = [];
  for (const h of hooks[kind] ?? []) {
    const failed = runHook(kind, h, state);
    if (failed) {
      warnings.push(failed);
      process.stderr.write(`minibox-runtime: warning: ${failed}\n`);
    }
  }
  return warnings;
}

function baseOf(rec: RuntimeRecord): HookStateBase {
  return { id: rec.id, bundle: rec.bundle, annotations: rec.annotations };
}

/** `start`, once the program was let go: the poststart hooks. */
export function afterStart(root: string, rec: RuntimeRecord): void {
  runRuntimeHooks('poststart', loadHooks(containerDir(root, rec.id)), baseOf(rec), rec.pid, 'running');
}

/** `delete`, the container gone, its directory not yet: the poststop hooks. */
export function afterDelete(root: string, rec: RuntimeRecord | undefined): void {
  if (rec) runRuntimeHooks('poststop', loadHooks(containerDir(root, rec.id)), baseOf(rec), 0, 'stopped');
}
