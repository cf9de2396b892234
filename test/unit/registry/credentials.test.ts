import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { HUB_CONFIG_KEY, loadCredentials, removeCredentials, storeCredentials } from '../../../src/registry/credentials.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-dockercfg-'));
const saved = process.env['DOCKER_CONFIG'];
const file = path.join(dir, 'cfg', 'config.json');

beforeEach(() => {
  process.env['DOCKER_CONFIG'] = path.join(dir, 'cfg');
  rmSync(path.join(dir, 'cfg'), { recursive: true, force: true });
});

afterAll(() => {
  if (saved === undefined) delete process.env['DOCKER_CONFIG'];
  else process.env['DOCKER_CONFIG'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('~/.docker/config.json credentials', () => {
  it('round-trips a login in Docker format, mode 0600', async () => {
    expect(await loadCredentials('docker.io')).toBeUndefined();
    await storeCredentials('docker.io', 'alice', 'pa:ss');
    await storeCredentials('127.0.0.1:5000', 'bob', 'pw');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Object.keys(json.auths).sort()).toEqual(['127.0.0.1:5000', HUB_CONFIG_KEY].sort());
    expect(Buffer.from(json.auths[HUB_CONFIG_KEY]?.auth ?? '', 'base64').toString()).toBe('alice:pa:ss');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadCredentials('index.docker.io')).toEqual({ username: 'alice', password: 'pa:ss' });
    expect(await loadCredentials('registry-1.docker.io')).toEqual({ username: 'alice', password: 'pa:ss' });
    expect(await loadCredentials('127.0.0.1:5000')).toEqual({ username: 'bob', password: 'pw' });
    expect(await loadCredentials('ghcr.io')).toBeUndefined();
  });

  it('keeps the rest of the file and removes one login', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const auth = Buffer.from('carol:pw').toString('base64');
    writeFileSync(file, JSON.stringify({ auths: { 'https://ghcr.io/v2/': { auth } }, credsStore: 'desktop', proxies: { default: {} } }));
    expect(await loadCredentials('ghcr.io')).toEqual({ username: 'carol', password: 'pw' });
    await storeCredentials('docker.io', 'alice', 'x');
    expect(await removeCredentials('ghcr.io')).toBe(true);
    expect(await removeCredentials('ghcr.io')).toBe(false);
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(json['credsStore']).toBe('desktop');
    expect(json['proxies']).toEqual({ default: {} });
    expect(Object.keys(json['auths'] as object)).toEqual([HUB_CONFIG_KEY]);
    expect(await removeCredentials('docker.io')).toBe(true);
    expect(await loadCredentials('docker.io')).toBeUndefined();
  });

  it('rejects a corrupt file with a clear message', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{not json');
    await expect(loadCredentials('docker.io')).rejects.toThrow(/config\.json is not valid JSON/);
  });
});
