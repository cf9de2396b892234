import path from 'node:path';
import { statePaths } from '../util/paths.js';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { MiniboxError } from '../util/errors.js';
import { expectObject, optNumber, optObject, optString, optStringArray, reqString, type JsonObject } from '../util/json.js';
import type { OciMount, OciResources, OciSpec } from './spec.js';
import { parseOciCapabilities, parseOciSeccomp } from './security/spec-fields.js';
import { parseDeviceRules, parseLinuxDevices } from './security/device-spec.js';
import { parseOciRlimits } from './rlimits-spec.js';

/**
 * The one reader (and re-writer) of a container's config.json. Every use case that needs
 * the container's process, hostname, limits or rootfs layers reads it here, validated, so a
 * hand-edited or truncated file fails with a clear message instead of deep in the engine.
 */
const WHAT = 'config.json';

function specFile(dir: string): string {
  return path.join(dir, 'config.json');
}

/** containers/<id>/config.json of the container whose record directory is `dir`. */
export async function readSpec(dir: string): Promise<OciSpec> {
  return parseOciSpec(await readJsonFile(specFile(dir)));
}

export async function writeSpec(dir: string, spec: OciSpec): Promise<void> {
  await writeJsonAtomic(specFile(dir), spec);
}

/** The container's argv from its config.json (for `ps`'s COMMAND column); [] when unreadable. */
export async function readCommand(id: string): Promise<string[]> {
  try {
    return (await readSpec(path.join(statePaths().containers, id))).process.args;
  } catch {
    return [];
  }
}

export function parseOciSpec(json: unknown): OciSpec {
  const o = expectObject(json, WHAT);
  const proc = expectObject(o.process, `${WHAT} process`);
  const user = optObject(proc, 'user', `${WHAT} process`) ?? {};
  const root = expectObject(o.root, `${WHAT} root`);
  const linux = expectObject(o.linux, `${WHAT} linux`);
  const capabilities = parseOciCapabilities(proc.capabilities);
  const seccomp = parseOciSeccomp(linux.seccomp);
  return {
    ociVersion: reqString(o, 'ociVersion', WHAT),
    process: {
      terminal: proc.terminal === true,
      user: { uid: optNumber(user, 'uid', `${WHAT} process.user`) ?? 0, gid: optNumber(user, 'gid', `${WHAT} process.user`) ?? 0 },
      args: reqStringArray(proc, 'args', `${WHAT} process`),
      env: optStringArray(proc, 'env', `${WHAT} process`) ?? [],
      cwd: optString(proc, 'cwd', `${WHAT} process`) ?? '/',
      ...(capabilities ? { capabilities } : {}),
      ...(typeof proc.noNewPrivileges === 'boolean' ? { noNewPrivileges: proc.noNewPrivileges } : {}),
      ...(proc.rlimits !== undefined ? { rlimits: parseOciRlimits(proc.rlimits, `${WHAT} process.rlimits`) } : {}),
    },
    root: { path: reqString(root, 'path', `${WHAT} root`), readonly: root.readonly === true },
    hostname: optString(o, 'hostname', WHAT) ?? '',
    mounts: arrayOf(o.mounts, `${WHAT} mounts`).map((m, i) => parseMount(m, i)),
    linux: {
      namespaces: arrayOf(linux.namespaces, `${WHAT} linux.namespaces`).map((n) => ({
        type: reqString(expectObject(n, `${WHAT} namespace`), 'type', `${WHAT} namespace`),
      })),
      cgroupsPath: optString(linux, 'cgroupsPath', `${WHAT} linux`) ?? '',
      resources: parseResources(optObject(linux, 'resources', `${WHAT} linux`) ?? {}),
      maskedPaths: optStringArray(linux, 'maskedPaths', `${WHAT} linux`) ?? [],
      readonlyPaths: optStringArray(linux, 'readonlyPaths', `${WHAT} linux`) ?? [],
      ...(seccomp ? { seccomp } : {}),
      ...(linux.sysctl !== undefined ? { sysctl: stringMap(expectObject(linux.sysctl, `${WHAT} linux.sysctl`), `${WHAT} linux.sysctl`) } : {}),
      ...(linux.devices !== undefined ? { devices: parseLinuxDevices(linux.devices, `${WHAT} linux.devices`) } : {}),
    },
    annotations: stringMap(optObject(o, 'annotations', WHAT) ?? {}, `${WHAT} annotations`),
  };
}

function parseMount(v: unknown, index: number): OciMount {
  const what = `${WHAT} mounts[${index}]`;
  const m = expectObject(v, what);
  const options = optStringArray(m, 'options', what);
  return {
    destination: reqString(m, 'destination', what),
    type: reqString(m, 'type', what),
    source: reqString(m, 'source', what),
    ...(options !== undefined ? { options } : {}),
  };
}

/** linux.resources: only the keys minibox writes (spec.ts ociResources); unknown keys are dropped. */
function parseResources(r: JsonObject): OciResources {
  const what = `${WHAT} linux.resources`;
  const out: OciResources = {};
  const mem = optObject(r, 'memory', what);
  // each error names the nested object (`linux.resources.memory: "limit" must be a number`)
  const memWhat = `${what}.memory`;
  const cpuWhat = `${what}.cpu`;
  if (mem) out.memory = defined({ limit: optNumber(mem, 'limit', memWhat), swap: optNumber(mem, 'swap', memWhat), reservation: optNumber(mem, 'reservation', memWhat) });
  const cpu = optObject(r, 'cpu', what);
  if (cpu) {
    out.cpu = defined({
      shares: optNumber(cpu, 'shares', cpuWhat),
      quota: optNumber(cpu, 'quota', cpuWhat),
      period: optNumber(cpu, 'period', cpuWhat),
      cpus: optString(cpu, 'cpus', cpuWhat),
    });
  }
  const pids = optObject(r, 'pids', what);
  const pidsLimit = pids ? optNumber(pids, 'limit', `${what}.pids`) : undefined;
  if (pidsLimit !== undefined) out.pids = { limit: pidsLimit };
  if (r.devices !== undefined) out.devices = parseDeviceRules(r.devices, `${what}.devices`);
  return out;
}

/** The object without its undefined values (so a re-written config.json has no `"x": null`). */
function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function reqStringArray(o: JsonObject, key: string, what: string): string[] {
  const v = optStringArray(o, key, what);
  if (v === undefined) throw new MiniboxError(`invalid ${what}: missing "${key}"`);
  return v;
}

function arrayOf(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MiniboxError(`invalid ${what}: expected an array`);
  return v;
}

function stringMap(o: JsonObject, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o)) out[k] = reqString(o, k, what);
  return out;
}
