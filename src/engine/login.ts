import { RegistryClient } from '../registry/client.js';
import { configKey, loadCredentials, removeCredentials, storeCredentials, dockerConfigFile, type Credentials } from '../registry/credentials.js';
import { registryDomain } from '../registry/transport.js';
import { MiniboxError, describe } from '../util/errors.js';
import { readDaemonConfig } from '../util/daemon-config.js';

/**
 * `minibox login` / `logout`: credentials are checked against the registry (its token
 * endpoint answers a wrong password with 401) before they are stored in Docker's
 * config.json, so `docker` and `minibox` share logins. Like Docker, failures exit 1.
 */
export const DEFAULT_REGISTRY = 'docker.io';

/** `https://127.0.0.1:5000/v2/`, `127.0.0.1:5000`, `index.docker.io` → the registry's host. */
export function normalizeServer(server: string | undefined): string {
  if (!server) return DEFAULT_REGISTRY;
  const bare = server.trim().replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  if (bare === '') throw new MiniboxError(`invalid registry address ${JSON.stringify(server)}`, 1);
  return registryDomain(bare);
}

/** How Docker names the server in messages: Hub as its v1 URL, others by host. */
export function serverLabel(host: string): string {
  return configKey(host);
}

export async function storedLogin(server: string | undefined): Promise<Credentials | undefined> {
  return loadCredentials(normalizeServer(server));
}

export interface LoginResult {
  server: string;
  configFile: string;
}

export async function login(server: string | undefined, creds: Credentials): Promise<LoginResult> {
  const host = normalizeServer(server);
  if (creds.username === '') throw new MiniboxError('Error: Non-null Username Required', 1);
  if (creds.password === '') throw new MiniboxError('Error: Non-null Password Required', 1);
  const { insecureRegistries } = await readDaemonConfig(); // as pull and push reach the registry
  try {
    await new RegistryClient({ host, credentials: creds, insecureRegistries, retry: { tries: 2 } }).ping();
  } catch (err) {
    throw new MiniboxError(describe(err), 1, { cause: err });
  }
  await storeCredentials(host, creds.username, creds.password);
  return { server: serverLabel(host), configFile: dockerConfigFile() };
}

/** false when there was no login to remove (Docker then says "Not logged in to …"). */
export async function logout(server: string | undefined): Promise<{ server: string; removed: boolean }> {
  const host = normalizeServer(server);
  return { server: serverLabel(host), removed: await removeCredentials(host) };
}
