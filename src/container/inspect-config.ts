import type { HealthSpec } from './health.js';
import type { HostConfig } from './hostconfig.js';
import type { OciSpec } from './spec.js';
import { shmSizeOf } from './sysctls.js';

/**
 * inspect's process fields that live in hostconfig.json or config.json, in Docker's shapes:
 * Config.Healthcheck/StopSignal/StopTimeout and HostConfig.ShmSize/Sysctls. Derived when
 * shown, except Config.Healthcheck: what the run asked for (--no-healthcheck's ["NONE"], an
 * explicit default) is not in the resolved check, so run keeps it (health.ts requestedHealthcheck).
 */

/** Docker's container.HealthConfig: durations in nanoseconds. */
export interface DockerHealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** What resolveHealth (health.ts) fills in when neither the image nor a flag says. */
const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 };

/**
 * Config.Healthcheck of a record that has no `healthcheck` (written before run kept what was
 * asked for): the resolved check, a value equal to the daemon's default left out, since which
 * values were given explicitly is no longer known.
 */
export function healthcheckOf(h: HealthSpec | undefined): DockerHealthConfig | undefined {
  if (!h) return undefined;
  const ns = (ms: number) => ms * 1_000_000;
  return {
    Test: h.test,
    ...(h.intervalMs !== HEALTH_DEFAULTS.intervalMs ? { Interval: ns(h.intervalMs) } : {}),
    ...(h.timeoutMs !== HEALTH_DEFAULTS.timeoutMs ? { Timeout: ns(h.timeoutMs) } : {}),
    ...(h.startPeriodMs !== HEALTH_DEFAULTS.startPeriodMs ? { StartPeriod: ns(h.startPeriodMs) } : {}),
    ...(h.retries !== HEALTH_DEFAULTS.retries ? { Retries: h.retries } : {}),
  };
}

export interface ProcessConfigFields {
  Healthcheck?: DockerHealthConfig;
  StopSignal?: string; // omitted for the default SIGTERM, as Docker omits an unset one
  StopTimeout?: number; // seconds
}

export function processConfigFields(hc: HostConfig): ProcessConfigFields {
  // what the run asked for, as Docker shows it; records written before it was kept: the resolved check
  const health = hc.healthcheck ?? healthcheckOf(hc.health);
  return {
    ...(health ? { Healthcheck: health } : {}),
    ...(hc.stopSignal && hc.stopSignal !== 'SIGTERM' ? { StopSignal: hc.stopSignal } : {}),
    ...(hc.stopTimeout !== undefined ? { StopTimeout: hc.stopTimeout } : {}),
  };
}

/** Docker's default /dev/shm: 64 MiB, which the shim mounts unless --shm-size says otherwise. */
const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export function runtimeHostConfig(spec: OciSpec): { ShmSize: number; Sysctls?: Record<string, string> } {
  const sysctls = spec.linux.sysctl ?? {};
  return { ShmSize: shmSizeOf(spec) ?? DEFAULT_SHM_SIZE, ...(Object.keys(sysctls).length ? { Sysctls: sysctls } : {}) };
}
