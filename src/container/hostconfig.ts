import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { parseHealthSpec, type HealthSpec } from './health.js';

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
  health?: HealthSpec; // the check the detached monitor runs (container/health.ts)
}

export const DEFAULT_HOST_CONFIG: HostConfig = { restart: 'no', tty: false, interactive: false, stopSignal: 'SIGTERM' };

export async function readHostConfig(dir: string): Promise<HostConfig> {
  try {
    const o = (await readJsonFile(path.join(dir, 'hostconfig.json'))) as Partial<HostConfig>;
    const { health, ...rest } = o;
    return { ...DEFAULT_HOST_CONFIG, ...rest, ...(health !== undefined ? { health: parseHealthSpec(health) } : {}) };
  } catch {
    return { ...DEFAULT_HOST_CONFIG };
  }
}

export async function writeHostConfig(dir: string, hc: HostConfig): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'hostconfig.json'), hc);
}

/** Docker's --restart values: no, always, unless-stopped, on-failure[:N]. */
export function validRestartPolicy(p: string): boolean {
  return /^(no|always|unless-stopped|on-failure(:\d+)?)$/.test(p);
}
