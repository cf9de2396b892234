import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { MiniboxError, describe, errnoCode } from '../util/errors.js';
import { isObject, type JsonObject } from '../util/json.js';

/**
 * Registry credentials in Docker's own file, `~/.docker/config.json` (or
 * `$DOCKER_CONFIG/config.json`), so `docker login` and `minibox login` share them. Only
 * the inline `auths` entries are read and written; other keys are preserved untouched.
 */
export interface Credentials {
  username: string;
  password: string;
}

/** Docker keeps Hub's entry under its legacy v1 URL; every other registry under its host. */
export const HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function dockerConfigFile(): string {
  const dir = process.env['DOCKER_CONFIG'] || path.join(os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

export function configKey(host: string): string {
  return HUB_HOSTS.has(host) ? HUB_CONFIG_KEY : host;
}

/** `https://host:5000/v2/` and `host:5000` name the same registry (Docker's ConvertToHostname). */
function keyHost(key: string): string {
  const bare = key.replace(/^[a-z]+:\/\//i, '');
  return bare.split('/')[0] ?? bare;
}

async function readConfig(file: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw new MiniboxError(`cannot read ${file}: ${describe(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MiniboxError(`${file} is not valid JSON: ${describe(err)}`);
  }
  if (!isObject(json)) throw new MiniboxError(`${file}: expected a JSON object`);
  return json;
}

function decodeEntry(entry: unknown): Credentials | undefined {
  if (!isObject(entry)) return undefined;
  const auth = entry['auth'];
  if (typeof auth === 'string' && auth !== '') {
    const plain = Buffer.from(auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon <= 0) return undefined; // a corrupt entry is treated as no login, not a crash
    return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
  }
  const { username, password } = entry;
  if (typeof username === 'string' && typeof password === 'string' && username !== '') return { username, password };
  return undefined;
}

function findEntry(auths: JsonObject, host: string): unknown {
  const key = configKey(host);
  if (key in auths) return auths[key];
  const want = key === HUB_CONFIG_KEY ? 'index.docker.io' : host;
  const match = Object.keys(auths).find((k) => keyHost(k) === want);
  return match === undefined ? undefined : auths[match];
}

/** The stored login for a registry host (`docker.io` for Hub), or undefined. */
export async function loadCredentials(host: string): Promise<Credentials | undefined> {
  const config = await readConfig(dockerConfigFile());
  const auths = config['auths'];
  if (!isObject(auths)) return undefined;
  return decodeEntry(findEntry(auths, host));
}

async function writeConfig(file: string, config: JsonObject): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // 0600: the file holds passwords (only base64-encoded, as Docker does)
  await writeFileAtomic(file, JSON.stringify(config, null, '\t') + '\n', 0o600);
}

export async function storeCredentials(host: string, username: string, password: string): Promise<void> {
  if (username === '' || username.includes(':')) throw new MiniboxError('invalid username');
  const file = dockerConfigFile();
  const config = await readConfig(file);
  const auths = isObject(config['auths']) ? config['auths'] : {};
  const key = configKey(host);
  const previous = isObject(auths[key]) ? auths[key] : {};
  const { username: _u, password: _p, ...keep } = previous;
  auths[key] = { ...keep, auth: Buffer.from(`${username}:${password}`).toString('base64') };
  config['auths'] = auths;
  await writeConfig(file, config);
}

/** Forget a login; false when there was none (Docker prints "Not logged in" then). */
export async function removeCredentials(host: string): Promise<boolean> {
  const file = dockerConfigFile();
  const config = await readConfig(file);
  const auths = config['auths'];
  if (!isObject(auths)) return false;
  const keys = Object.keys(auths).filter((k) => k === configKey(host) || keyHost(k) === keyHost(configKey(host)));
  if (keys.length === 0) return false;
  for (const k of keys) delete auths[k];
  await writeConfig(file, config);
  return true;
}
