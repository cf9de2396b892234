import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';

/**
 * containers/<id>/hostconfig.json: how the container is run, beside what it is (config.json):
 * what `start` needs to launch it again the same way, and what `stop` sends.
 */
export interface HostConfig {
  restart: string; // no | always | unless-stopped | on-failure[:N]
  tty: boolean;
  interactive: boolean;
  stopSignal: string; // the image's StopSignal, default SIGTERM
  network?: {
    network?: string;
    publish?: string[];
    publishAll?: boolean;
    links?: string[];
    dns?: string[];
    addHosts?: string[];
    aliases?: string[];
  }; // the run's network flags, so `start` attaches the container the same way again
}

export const DEFAULT_HOST_CONFIG: HostConfig = { restart: 'no', tty: false, interactive: false, stopSignal: 'SIGTERM' };

export async function readHostConfig(dir: string): Promise<HostConfig> {
  try {
    const o = (await readJsonFile(path.join(dir, 'hostconfig.json'))) as Partial<HostConfig>;
    return { ...DEFAULT_HOST_CONFIG, ...o };
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
