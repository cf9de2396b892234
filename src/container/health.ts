import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, optNumber, optString, reqString } from '../util/json.js';
import type { ImageHealthcheck } from '../image/config.js';

/**
 * Health checks (HEALTHCHECK, --health-*): the check a container's C monitor runs (detached or foreground)
 * (native-shim/src/monitor/health.c), resolved here from the image and the flags at `run`,
 * kept in hostconfig.json, and the monitor's containers/<id>/health.json read back for
 * inspect's State.Health and ps.
 */
export interface HealthFlags {
  cmd?: string; // --health-cmd (CMD-SHELL)
  interval?: string; // Go durations
  timeout?: string;
  startPeriod?: string;
  retries?: string;
  none?: boolean; // --no-healthcheck
}

/** What the monitor runs: argv (CMD-SHELL already as /bin/sh -c), times in ms. */
export interface HealthSpec {
  test: string[]; // Docker's Test, for inspect's Config.Healthcheck
  args: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthResult[];
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in ms ("30s", "1m30s", "200ms", "0"); undefined for bad syntax. */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(s);
  let rest = m?.[2] ?? '';
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!part) return undefined;
    total += Number(part[1]) * (UNITS[part[2]!] ?? 0);
    rest = rest.slice(part[0].length);
  }
  return m?.[1] === '-' ? -total : total;
}

function flagDuration(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseGoDuration(value);
  if (ms === undefined) throw new MiniboxError(`invalid argument "${value}" for "--${flag}" flag: time: invalid duration "${value}"`, 125);
  if (ms < 0) throw new MiniboxError(`--${flag} cannot be negative`, 125);
  return ms;
}

function flagRetries(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[-+]?\d+$/.test(value)) {
    throw new MiniboxError(`invalid argument "${value}" for "--health-retries" flag: strconv.ParseInt: parsing "${value}": invalid syntax`, 125);
  }
  const n = Number(value);
  if (n < 0) throw new MiniboxError('--health-retries cannot be negative', 125);
  return n;
}

/** Docker's Test forms: ["CMD", argv...], ["CMD-SHELL", cmd], ["NONE"]; [] inherits. */
function argsOf(test: string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD' && rest.length > 0) return rest;
  if (kind === 'CMD-SHELL' && rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
  return undefined;
}

/** The flags checked as Docker's CLI does, before anything else happens (exit 125). */
export function checkHealthFlags(flags: HealthFlags): { interval?: number; timeout?: number; startPeriod?: number; retries?: number } {
  const interval = flagDuration(flags.interval, 'health-interval');
  const timeout = flagDuration(flags.timeout, 'health-timeout');
  const startPeriod = flagDuration(flags.startPeriod, 'health-start-period');
  const retries = flagRetries(flags.retries);
  const anyFlag = flags.cmd !== undefined || [interval, timeout, startPeriod, retries].some((v) => v !== undefined);
  if (flags.none && anyFlag) throw new MiniboxError('--no-healthcheck conflicts with --health-* options', 125);
  return { interval, timeout, startPeriod, retries };
}

/** The check for `run`, the flags over the image's HEALTHCHECK as Docker merges them; undefined: none. */
export function resolveHealth(image: ImageHealthcheck | undefined, flags: HealthFlags): HealthSpec | undefined {
  const { interval, timeout, startPeriod, retries } = checkHealthFlags(flags);
  if (flags.none) return undefined;
  const test = flags.cmd !== undefined ? ['CMD-SHELL', flags.cmd] : (image?.Test ?? []);
  const args = argsOf(test);
  if (!args) return undefined;
  const ns = (v: number | undefined) => (v ? v / 1e6 : 0); // the image's are in nanoseconds
  return {
    test,
    args,
    intervalMs: atLeast1ms('Interval', interval || ns(image?.Interval)) || 30_000,
    timeoutMs: atLeast1ms('Timeout', timeout || ns(image?.Timeout)) || 30_000,
    startPeriodMs: atLeast1ms('StartPeriod', startPeriod || ns(image?.StartPeriod)),
    retries: retries || image?.Retries || 3,
  };
}

/**
 * Docker's Config.Healthcheck for `run`: the CLI's HealthConfig from the flags (any
 * --health-* or --no-healthcheck makes one; --no-healthcheck is Test ["NONE"]), each unset
 * (zero) field taken from the image's HEALTHCHECK as the daemon merges them; the defaults
 * resolveHealth falls back to are not written in. No flag: the image's as it is.
 */
export function requestedHealthcheck(image: ImageHealthcheck | undefined, flags: HealthFlags): ImageHealthcheck | undefined {
  const { interval, timeout, startPeriod, retries } = checkHealthFlags(flags);
  const given = flags.none === true || flags.cmd !== undefined || [interval, timeout, startPeriod, retries].some((v) => v !== undefined);
  if (!given) return image;
  const ns = (ms: number | undefined) => (ms ? Math.round(ms * 1e6) : undefined);
  const test = flags.none ? ['NONE'] : flags.cmd !== undefined ? ['CMD-SHELL', flags.cmd] : image?.Test;
  const out: ImageHealthcheck = {
    ...(test?.length ? { Test: test } : {}),
    Interval: ns(interval) || image?.Interval,
    Timeout: ns(timeout) || image?.Timeout,
    StartPeriod: ns(startPeriod) || image?.StartPeriod,
    Retries: retries || image?.Retries,
  };
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const) if (!out[k]) delete out[k];
  return out;
}

/** hostconfig.json's healthcheck (requestedHealthcheck's), validated. */
export function parseRequestedHealthcheck(v: unknown): ImageHealthcheck {
  const what = 'hostconfig healthcheck';
  const o = expectObject(v, what);
  const out: ImageHealthcheck = {};
  const test = o.Test;
  if (test !== undefined) {
    if (!Array.isArray(test) || !test.every((x) => typeof x === 'string')) throw new MiniboxError(`invalid ${what}: "Test"`);
    out.Test = test as string[];
  }
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const) {
    const n = optNumber(o, k, what);
    if (n === undefined) continue;
    if (!Number.isInteger(n) || n < 0) throw new MiniboxError(`invalid ${what}: "${k}"`);
    out[k] = n;
  }
  return out;
}

/** The daemon's check on the merged config (0 = the default; else at least 1ms), whole ms. */
function atLeast1ms(field: string, ms: number): number {
  if (ms > 0 && ms < 1) throw new MiniboxError(`${field} in Healthcheck cannot be less than 1ms`, 125);
  return Math.round(ms);
}

/** hostconfig.json's health, validated. */
export function parseHealthSpec(v: unknown): HealthSpec {
  const o = expectObject(v, 'health config');
  const strings = (k: string) => {
    const a = o[k];
    if (!Array.isArray(a) || !a.every((x) => typeof x === 'string') || (k === 'args' && a.length === 0)) {
      throw new MiniboxError(`invalid health config: "${k}"`);
    }
    return a as string[];
  };
  const num = (k: string, min: number) => {
    const n = optNumber(o, k, 'health config');
    if (n === undefined || !Number.isInteger(n) || n < min) throw new MiniboxError(`invalid health config: "${k}"`);
    return n;
  };
  return {
    test: strings('test'),
    args: strings('args'),
    intervalMs: num('intervalMs', 1),
    timeoutMs: num('timeoutMs', 1),
    startPeriodMs: num('startPeriodMs', 0),
    retries: num('retries', 1),
  };
}

/** The monitor's health.json, validated. */
export function parseHealthState(v: unknown): HealthState {
  const what = 'health.json';
  const o = expectObject(v, what);
  const status = reqString(o, 'Status', what);
  if (status !== 'starting' && status !== 'healthy' && status !== 'unhealthy') throw new MiniboxError(`invalid ${what}: Status ${status}`);
  const log = Array.isArray(o.Log) ? o.Log : [];
  return {
    Status: status,
    FailingStreak: optNumber(o, 'FailingStreak', what) ?? 0,
    Log: log.filter(isObject).map((e) => ({
      Start: optString(e, 'Start', what) ?? '',
      End: optString(e, 'End', what) ?? '',
      ExitCode: optNumber(e, 'ExitCode', what) ?? -1,
      Output: optString(e, 'Output', what) ?? '',
    })),
  };
}

/** containers/<id>/health.json, or undefined when there is none (no check, not started yet). */
export function readHealthState(dir: string): HealthState | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'health.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseHealthState(JSON.parse(text));
  } catch {
    return undefined; // a torn or foreign file: no status rather than a failed ps
  }
}
