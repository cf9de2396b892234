import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { expectObject, optStringArray } from '../util/json.js';
import { parseHealthSpec, parseRequestedHealthcheck, type HealthSpec } from './health.js';
import type { ImageHealthcheck } from '../image/config.js';
import { MiniboxError } from '../util/errors.js';

/**
 * containers/<id>/hostconfig.json: how the container is run, beside what it is (config.json):
 * what `start` needs to launch it again the same way, and what `stop` sends.
 */
export interface HostConfig {
  restart: string; // no | always | unless-stopped | on-failure[:N]
  tty: boolean;
  interactive: boolean;
  stopSignal: string; // --stop-signal or the image's StopSignal, default SIGTERM
  stopTimeout?: number; // --stop-timeout: stop's wait before SIGKILL (default 10 s)
  network?: {
    network?: string;
    publish?: string[];
    publishAll?: boolean;
    links?: string[];
    dns?: string[];
    addHosts?: string[];
    aliases?: string[];
  }; // the run's network flags, so `start` attaches the container the same way again
  health?: HealthSpec; // the check the monitor runs (container/health.ts)
  healthcheck?: ImageHealthcheck; // what the run asked for, inspect's Config.Healthcheck (health.ts requestedHealthcheck)
  storage?: StorageFlags; // how the mounts were asked for (inspect); what is mounted is config.json's
}

/**
 * The run's storage flags as typed, for inspect's HostConfig.Binds/Mounts/Tmpfs/VolumesFrom
 * and Config.Volumes (container/inspect-storage.ts). They are the request, not a second copy
 * of the mounts: config.json holds what was mounted (a volume already turned into its _data
 * bind), and Docker shows both. Only non-empty lists are kept.
 */
export interface StorageFlags {
  volumes?: string[]; // -v
  mounts?: string[]; // --mount
  tmpfs?: string[]; // --tmpfs
  volumesFrom?: string[]; // --volumes-from
}

export const DEFAULT_HOST_CONFIG: HostConfig = { restart: 'no', tty: false, interactive: false, stopSignal: 'SIGTERM' };

export async function readHostConfig(dir: string): Promise<HostConfig> {
  try {
    const o = (await readJsonFile(path.join(dir, 'hostconfig.json'))) as Partial<HostConfig>;
    const { health, healthcheck, storage, ...rest } = o;
    return {
      ...DEFAULT_HOST_CONFIG,
      ...rest,
      ...(health !== undefined ? { health: parseHealthSpec(health) } : {}),
      ...(healthcheck !== undefined ? { healthcheck: parseRequestedHealthcheck(healthcheck) } : {}),
      ...(storage !== undefined ? { storage: parseStorageFlags(storage) } : {}),
    };
  } catch {
    return { ...DEFAULT_HOST_CONFIG };
  }
}

/** hostconfig.json's storage, validated: each list an array of strings. */
export function parseStorageFlags(v: unknown): StorageFlags {
  const o = expectObject(v, 'hostconfig storage');
  const out: StorageFlags = {};
  for (const k of ['volumes', 'mounts', 'tmpfs', 'volumesFrom'] as const) {
    const list = optStringArray(o, k, 'hostconfig storage');
    if (list?.length) out[k] = list;
  }
  return out;
}

/** The record's storage part from run's flags; undefined when none was given. */
export function storageFlagsOf(mounts?: { volumes: string[]; mounts: string[]; tmpfs: string[] }, volumesFrom: string[] = []): { storage: StorageFlags } | Record<string, never> {
  const storage = parseStorageFlags({ ...(mounts ? { volumes: mounts.volumes, mounts: mounts.mounts, tmpfs: mounts.tmpfs } : {}), volumesFrom });
  return Object.keys(storage).length ? { storage } : {};
}

/** What a run asked for, as the record `start` and inspect read (run and run -d alike). */
export function hostConfigOf(
  req: { restart?: string; tty?: boolean; interactive: boolean; network?: HostConfig['network']; stopTimeout?: number; mounts?: { volumes: string[]; mounts: string[]; tmpfs: string[] }; volumesFrom?: string[] },
  stopSignal?: string,
  health?: HealthSpec,
  healthcheck?: ImageHealthcheck,
): HostConfig {
  const restart = req.restart ?? 'no';
  if (!validRestartPolicy(restart)) throw new MiniboxError(`invalid restart policy: ${restart}`, 125);
  return {
    restart,
    tty: req.tty === true,
    interactive: req.interactive,
    stopSignal: stopSignal || 'SIGTERM',
    ...(req.stopTimeout !== undefined ? { stopTimeout: req.stopTimeout } : {}),
    ...(req.network ? { network: req.network } : {}),
    ...(health ? { health } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    ...storageFlagsOf(req.mounts, req.volumesFrom),
  };
}

/**
 * A --rm container is never started again, so its record only serves inspect: written when
 * it says more than the defaults would (keeps `run --rm IMAGE` free of the extra fsync'd write).
 */
export function saysMoreThanDefaults(hc: HostConfig): boolean {
  const net = hc.network;
  const networkSaid = net !== undefined && ((net.network !== undefined && net.network !== 'bridge' && net.network !== 'default') || Object.entries(net).some(([k, v]) => k !== 'network' && (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false)));
  return networkSaid || hc.health !== undefined || hc.healthcheck !== undefined || hc.storage !== undefined || hc.stopTimeout !== undefined || hc.stopSignal !== DEFAULT_HOST_CONFIG.stopSignal;
}

export async function writeHostConfig(dir: string, hc: HostConfig): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'hostconfig.json'), hc);
}

/** Docker's --restart values: no, always, unless-stopped, on-failure[:N]. */
export function validRestartPolicy(p: string): boolean {
  return /^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(p);
}
