import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import { MiniboxError, describe, errnoCode } from './errors.js';
import { isObject } from './json.js';

/**
 * minibox's counterpart of Docker's daemon.json: `/etc/minibox/config.json`, or the file
 * named by MINIBOX_CONFIG. It holds what Docker keeps in the daemon's configuration and a
 * CLI flag cannot say per command: `registry-mirrors` (tried before Docker Hub for
 * docker.io images) and `insecure-registries` (plain http / unverified TLS allowed). Like
 * dockerd refusing a bad daemon.json, a file that does not validate is an error naming the
 * file and the key, never half-applied. A missing default file is an empty configuration;
 * a missing file that MINIBOX_CONFIG names is an error (the user asked for it).
 *
 * MINIBOX_DOCKER_HUB_URL, not a Docker setting, stands in for registry-1.docker.io (the
 * tests' way to keep docker.io pulls on 127.0.0.1; an air-gapped lab's own registry).
 *
 * Only pulls read it (run's implicit pull and build's FROM included), so `run` of a local
 * image never pays for it.
 */
export interface DaemonConfig {
  /** Normalised mirror URLs (`http(s)://host[:port][/path]/`), in the order given. */
  registryMirrors: string[];
  /** `host[:port]` entries and CIDRs (`10.0.0.0/8`), lower-case. */
  insecureRegistries: string[];
}

export const DEFAULT_CONFIG_FILE = '/etc/minibox/config.json';
export const EMPTY_DAEMON_CONFIG: DaemonConfig = { registryMirrors: [], insecureRegistries: [] };

const KEYS = ['registry-mirrors', 'insecure-registries'] as const;

export function daemonConfigFile(env: NodeJS.ProcessEnv = process.env): { file: string; explicit: boolean } {
  const named = env['MINIBOX_CONFIG'];
  return named ? { file: named, explicit: true } : { file: DEFAULT_CONFIG_FILE, explicit: false };
}

function fail(file: string, what: string): MiniboxError {
  return new MiniboxError(`invalid configuration file ${file}: ${what}`);
}

function stringList(o: Record<string, unknown>, key: string, file: string, each: string): string[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw fail(file, `"${key}" must be a list of ${each}s, got ${typeName(v)}`);
  return v.map((item, i) => {
    if (typeof item !== 'string') throw fail(file, `"${key}"[${i}] must be a ${each} string, got ${typeName(item)}`);
    return item.trim();
  });
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Docker's ValidateMirror: http or https, no credentials, query or fragment; a path is kept. */
export function normaliseMirror(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${JSON.stringify(value)} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))} in ${JSON.stringify(value)} (http or https)`);
  if (url.username || url.password) throw new Error(`username/password not allowed in ${JSON.stringify(value)}`);
  if (url.search || url.hash || value.includes('?') || value.includes('#')) throw new Error(`query or fragment at the end of ${JSON.stringify(value)}`);
  return url.href.replace(/\/*$/, '/');
}

/** `host[:port]` or a CIDR; Docker refuses a scheme here ("should not contain '://'"). */
export function normaliseInsecure(value: string): string {
  if (value.includes('://')) throw new Error(`${JSON.stringify(value)} should not contain '://' (host[:port] or CIDR)`);
  const cidr = /^(.+)\/(\d{1,3})$/.exec(value);
  if (cidr) {
    const family = isIP(cidr[1] ?? '');
    const bits = Number(cidr[2]);
    if (family === 0 || bits > (family === 4 ? 32 : 128)) throw new Error(`${JSON.stringify(value)} is not a valid CIDR`);
    return value.toLowerCase();
  }
  let url: URL;
  try {
    url = new URL(`http://${value}`);
  } catch {
    throw new Error(`${JSON.stringify(value)} is not a host[:port] or CIDR`);
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || !url.hostname) {
    throw new Error(`${JSON.stringify(value)} is not a host[:port] or CIDR`);
  }
  return value.toLowerCase();
}

/** Validate the file's JSON; `file` only names it in errors. */
export function parseDaemonConfig(json: unknown, file: string): DaemonConfig {
  if (!isObject(json)) throw fail(file, `the top level must be a JSON object, got ${typeName(json)}`);
  const unknown = Object.keys(json).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw fail(file, `unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (minibox reads ${KEYS.map((k) => `"${k}"`).join(' and ')})`);
  }
  const check = (key: string, list: string[], norm: (v: string) => string): string[] =>
    [
      ...new Set(
        list.map((v, i) => {
          try {
            return norm(v);
          } catch (err) {
            throw fail(file, `"${key}"[${i}]: ${describe(err)}`);
          }
        }),
      ),
    ];
  return {
    registryMirrors: check('registry-mirrors', stringList(json, 'registry-mirrors', file, 'URL'), normaliseMirror),
    insecureRegistries: check('insecure-registries', stringList(json, 'insecure-registries', file, 'host[:port] or CIDR'), normaliseInsecure),
  };
}

/** Read and validate the configuration (MINIBOX_CONFIG, else /etc/minibox/config.json). */
export async function readDaemonConfig(env: NodeJS.ProcessEnv = process.env): Promise<DaemonConfig> {
  const { file, explicit } = daemonConfigFile(env);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (!explicit && errnoCode(err) === 'ENOENT') return EMPTY_DAEMON_CONFIG;
    throw new MiniboxError(`cannot read configuration file ${file}${explicit ? ' (MINIBOX_CONFIG)' : ''}: ${describe(err)}`, 125, { cause: err });
  }
  if (text.trim() === '') return EMPTY_DAEMON_CONFIG;
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    throw fail(file, `not JSON: ${describe(err)}`);
  }
  return parseDaemonConfig(json, file);
}

/** MINIBOX_DOCKER_HUB_URL: what stands in for registry-1.docker.io (tests, air-gapped labs). */
export function hubUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env['MINIBOX_DOCKER_HUB_URL'];
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MiniboxError(`MINIBOX_DOCKER_HUB_URL=${value} is not a URL (e.g. https://registry-1.docker.io)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MiniboxError(`MINIBOX_DOCKER_HUB_URL=${value}: the scheme must be http or https`);
  return url.href.replace(/\/*$/, '/');
}
