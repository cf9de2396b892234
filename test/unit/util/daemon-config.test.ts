import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, daemonConfigFile, hubUrlFromEnv, parseDaemonConfig, readDaemonConfig } from '../../../src/util/daemon-config.js';

/**
 * The configuration file (Docker's daemon.json keys): validated when read, every refusal one
 * line naming the file and the key, as dockerd refuses a bad daemon.json.
 */
const F = '/etc/minibox/config.json';
const dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-unit-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('parseDaemonConfig', () => {
  it('reads registry-mirrors and insecure-registries, normalised, in order, without duplicates', () => {
    const c = parseDaemonConfig(
      {
        'registry-mirrors': ['https://mirror.gcr.io', 'http://127.0.0.1:5001/', 'https://m.lan/hub', 'https://mirror.gcr.io/'],
        'insecure-registries': ['Reg.LAN:5000', '10.0.0.0/8', 'fd00::/8', '[fd00::1]:5000'],
      },
      F,
    );
    expect(c.registryMirrors).toEqual(['https://mirror.gcr.io/', 'http://127.0.0.1:5001/', 'https://m.lan/hub/']);
    expect(c.insecureRegistries).toEqual(['reg.lan:5000', '10.0.0.0/8', 'fd00::/8', '[fd00::1]:5000']);
  });

  it('an empty object is an empty configuration', () => {
    expect(parseDaemonConfig({}, F)).toEqual({ registryMirrors: [], insecureRegistries: [] });
  });

  it.each([
    [{ 'registry-mirror': ['https://m'] }, `invalid configuration file ${F}: unknown key "registry-mirror" (minibox reads "registry-mirrors" and "insecure-registries")`],
    [{ 'log-driver': 'json-file' }, 'unknown key "log-driver"'],
    [{ 'registry-mirrors': 'https://m.lan' }, `${F}: "registry-mirrors" must be a list of URLs, got a string`],
    [{ 'registry-mirrors': [5] }, '"registry-mirrors"[0] must be a URL string, got a number'],
    [{ 'registry-mirrors': ['m.lan:5000'] }, '"registry-mirrors"[0]: unsupported scheme "m.lan"'],
    [{ 'registry-mirrors': ['ftp://m.lan'] }, 'unsupported scheme "ftp" in "ftp://m.lan" (http or https)'],
    [{ 'registry-mirrors': ['not a url'] }, '"registry-mirrors"[0]: "not a url" is not a valid URL'],
    [{ 'registry-mirrors': ['https://u:p@m.lan'] }, 'username/password not allowed'],
    [{ 'registry-mirrors': ['https://m.lan/?x=1'] }, 'query or fragment'],
    [{ 'insecure-registries': {} }, '"insecure-registries" must be a list of host[:port] or CIDRs, got an object'],
    [{ 'insecure-registries': ['http://reg.lan'] }, `"insecure-registries"[0]: "http://reg.lan" should not contain '://'`],
    [{ 'insecure-registries': ['10.0.0.0/33'] }, '"10.0.0.0/33" is not a valid CIDR'],
    [{ 'insecure-registries': ['reg.lan/path'] }, 'is not a host[:port] or CIDR'],
    [[], 'the top level must be a JSON object, got a list'],
    [null, 'the top level must be a JSON object, got null'],
  ])('refuses %j', (json, message) => {
    expect(() => parseDaemonConfig(json, F)).toThrow(message);
  });
});

describe('readDaemonConfig', () => {
  it('reads the file MINIBOX_CONFIG names, else /etc/minibox/config.json', () => {
    expect(daemonConfigFile({})).toEqual({ file: DEFAULT_CONFIG_FILE, explicit: false });
    expect(daemonConfigFile({ MINIBOX_CONFIG: '/x.json' })).toEqual({ file: '/x.json', explicit: true });
  });

  it('parses a file; an empty one is empty', async () => {
    const p = file('ok.json', JSON.stringify({ 'registry-mirrors': ['http://127.0.0.1:5001'] }));
    await expect(readDaemonConfig({ MINIBOX_CONFIG: p })).resolves.toEqual({ registryMirrors: ['http://127.0.0.1:5001/'], insecureRegistries: [] });
    await expect(readDaemonConfig({ MINIBOX_CONFIG: file('empty.json', '\n') })).resolves.toEqual({ registryMirrors: [], insecureRegistries: [] });
  });

  it('a file that is not JSON is an error naming the file', async () => {
    const p = file('bad.json', '{"registry-mirrors": [');
    await expect(readDaemonConfig({ MINIBOX_CONFIG: p })).rejects.toThrow(`invalid configuration file ${p}: not JSON:`);
  });

  it('a missing file is an error when MINIBOX_CONFIG names it, the error has exit code 125', async () => {
    const p = path.join(dir, 'missing.json');
    const err: unknown = await readDaemonConfig({ MINIBOX_CONFIG: p }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 125 });
    expect(String(err)).toContain(`cannot read configuration file ${p} (MINIBOX_CONFIG): ENOENT`);
  });
});

describe('hubUrlFromEnv (MINIBOX_DOCKER_HUB_URL)', () => {
  it('is unset by default, else a normalised http(s) URL', () => {
    expect(hubUrlFromEnv({})).toBeUndefined();
    expect(hubUrlFromEnv({ MINIBOX_DOCKER_HUB_URL: 'http://127.0.0.1:9' })).toBe('http://127.0.0.1:9/');
  });
  it('refuses what is not an http(s) URL, naming the variable', () => {
    expect(() => hubUrlFromEnv({ MINIBOX_DOCKER_HUB_URL: '127.0.0.1 9' })).toThrow('MINIBOX_DOCKER_HUB_URL=127.0.0.1 9 is not a URL');
    expect(() => hubUrlFromEnv({ MINIBOX_DOCKER_HUB_URL: 'ftp://h' })).toThrow('MINIBOX_DOCKER_HUB_URL=ftp://h: the scheme must be http or https');
  });
});
