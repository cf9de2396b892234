import { expectObject, optNumber, optObject, optString, optStringArray, reqString, isObject, type JsonObject } from '../util/json.js';
import { MiniboxError } from '../util/errors.js';

/**
 * The parts of an OCI / Docker image config that running a container needs
 * (image-spec config.md). Parsed from untrusted JSON by parseImageConfig.
 */
export interface ImageRuntimeConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: ImageHealthcheck;
}

/** HEALTHCHECK: Test ["CMD", ...] | ["CMD-SHELL", cmd] | ["NONE"]; durations in nanoseconds. */
export interface ImageHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  config: ImageRuntimeConfig;
  rootfs: { type: string; diff_ids: string[] };
}

function parseRecord(o: JsonObject, key: string, what: string): Record<string, object> | undefined {
  const v = optObject(o, key, what);
  if (!v) return undefined;
  const out: Record<string, object> = {};
  for (const [k, val] of Object.entries(v)) out[k] = isObject(val) ? val : {};
  return out;
}

function parseLabels(o: JsonObject, what: string): Record<string, string> | undefined {
  const v = optObject(o, 'Labels', what);
  if (!v) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function parseHealthcheck(c: JsonObject, what: string): ImageHealthcheck | undefined {
  const h = optObject(c, 'Healthcheck', what);
  if (!h) return undefined;
  const w = `${what} Healthcheck`;
  const count = (k: string) => {
    const v = optNumber(h, k, w);
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new MiniboxError(`invalid ${w}: "${k}" must be a non-negative integer`);
    return v;
  };
  return withoutEmpty<ImageHealthcheck>({
    Test: optStringArray(h, 'Test', w),
    Interval: count('Interval'),
    Timeout: count('Timeout'),
    StartPeriod: count('StartPeriod'),
    Retries: count('Retries'),
  });
}

/** The fields that are set: absent and empty-string ones are left out, as the image did. */
function withoutEmpty<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export function parseImageConfig(json: unknown): ImageConfig {
  const what = 'image config';
  const o = expectObject(json, what);
  const rootfs = expectObject(o.rootfs, `${what} rootfs`);
  const diffIds = optStringArray(rootfs, 'diff_ids', `${what} rootfs`) ?? [];
  for (const d of diffIds) {
    if (!/^sha256:[0-9a-f]{64}$/.test(d)) throw new MiniboxError(`invalid ${what}: bad diff_id ${d}`);
  }
  const c = optObject(o, 'config', what) ?? {};
  const cw = `${what} config`;
  const config = withoutEmpty<ImageRuntimeConfig>({
    User: optString(c, 'User', cw),
    Env: optStringArray(c, 'Env', cw),
    Entrypoint: optStringArray(c, 'Entrypoint', cw),
    Cmd: optStringArray(c, 'Cmd', cw),
    WorkingDir: optString(c, 'WorkingDir', cw),
    ExposedPorts: parseRecord(c, 'ExposedPorts', cw),
    Volumes: parseRecord(c, 'Volumes', cw),
    Labels: parseLabels(c, cw),
    StopSignal: optString(c, 'StopSignal', cw),
    Healthcheck: parseHealthcheck(c, cw),
  });
  const created = optString(o, 'created', what);
  return {
    architecture: optString(o, 'architecture', what) ?? 'amd64',
    os: reqString(o, 'os', what),
    ...(created ? { created } : {}),
    config,
    rootfs: { type: reqString(rootfs, 'type', `${what} rootfs`), diff_ids: diffIds },
  };
}
