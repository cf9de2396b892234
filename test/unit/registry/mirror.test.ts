import { Response, type RequestInit } from 'node-fetch';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../../src/oci-format/digest.js';
import { MEDIA_TYPES } from '../../../src/oci-format/media-types.js';
import { parseReference } from '../../../src/oci-format/reference.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { pullEndpoints } from '../../../src/registry/endpoints.js';
import { InsecureRegistries } from '../../../src/registry/insecure.js';
import { openPullSource, type Connect, type RegistrySettings } from '../../../src/image/pull/source.js';
import type { PullEvent } from '../../../src/image/pull/events.js';

/**
 * Registry mirrors, as Docker uses them: the endpoint order (mirrors for docker.io only,
 * then Hub), a mirror that is down or lacks the manifest skipped with one note, blobs from
 * the endpoint that gave the manifest, and the insecure-registries rule.
 */
const NO_SLEEP = { tries: 1, sleep: async () => {} };
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MEDIA_TYPES.ociConfig, digest: `sha256:${'1'.repeat(64)}`, size: 2 }, layers: [] }));
const platform = { os: 'linux', architecture: 'amd64' };

describe('pullEndpoints', () => {
  const mirrors = ['http://127.0.0.1:5001/', 'https://mirror.lan/'];
  it('docker.io: each mirror in order, then Docker Hub', () => {
    expect(pullEndpoints('docker.io', { mirrors })).toEqual([
      { url: 'http://127.0.0.1:5001/', mirror: true },
      { url: 'https://mirror.lan/', mirror: true },
      { mirror: false },
    ]);
    expect(pullEndpoints('index.docker.io', { mirrors: [] })).toEqual([{ mirror: false }]);
  });
  it('a stand-in for Hub replaces only Hub', () => {
    expect(pullEndpoints('docker.io', { mirrors, hubUrl: 'http://127.0.0.1:9/' }).at(-1)).toEqual({ url: 'http://127.0.0.1:9/', mirror: false });
  });
  it('other registries never use the mirrors', () => {
    expect(pullEndpoints('ghcr.io', { mirrors, hubUrl: 'http://127.0.0.1:9/' })).toEqual([{ mirror: false }]);
    expect(pullEndpoints('127.0.0.1:5000', { mirrors })).toEqual([{ mirror: false }]);
  });
});

describe('InsecureRegistries', () => {
  const list = new InsecureRegistries(['reg.lan:5000', 'plain.lan', '10.1.0.0/16', 'fd00::/8']);
  it.each([
    ['127.0.0.1:5000', true],
    ['localhost', true],
    ['reg.lan:5000', true],
    ['reg.lan:5001', false],
    ['plain.lan:443', true],
    ['10.1.2.3:5000', true],
    ['10.2.0.1', false],
    ['[fd00::5]:5000', true],
    ['registry-1.docker.io', false],
  ])('%s → %s', (host, insecure) => {
    expect(list.has(host)).toBe(insecure);
  });
});

describe('insecure registries decide the scheme of a registry asked directly', () => {
  it('a CIDR entry covers a registry named by an address in it', () => {
    expect(new RegistryClient({ host: '10.1.2.3:5000', insecureRegistries: ['10.1.0.0/16'] }).baseUrl).toBe('http://10.1.2.3:5000');
    expect(new RegistryClient({ host: '10.2.0.1:5000', insecureRegistries: ['10.1.0.0/16'] }).baseUrl).toBe('https://10.2.0.1:5000');
  });
});

describe('a client on a mirror', () => {
  it('keeps the repository path below the mirror URL, path prefix included, and names the registry as docker.io', () => {
    const c = new RegistryClient({ host: 'docker.io', endpoint: { url: 'https://m.lan/hub/', mirror: true } });
    expect(c.baseUrl).toBe('https://m.lan');
    expect(c.host).toBe('docker.io');
  });
});

interface Seen {
  url: string;
  agent: boolean;
}

/** Fake hosts: `dead` refuses connections, `empty` answers 404, `broken` 503, others serve the manifest. */
function world() {
  const seen: Seen[] = [];
  const impl = async (url: string, init: RequestInit): Promise<Response> => {
    seen.push({ url, agent: init.agent !== undefined });
    const u = new URL(url);
    if (u.hostname === 'dead.lan' || u.port === '9') throw Object.assign(new Error(`request to ${url} failed, reason: connect ECONNREFUSED`), { code: 'ECONNREFUSED' });
    if (u.hostname === 'empty.lan') return new Response(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }), { status: 404 });
    if (u.hostname === 'broken.lan') return new Response('down', { status: 503, statusText: 'Service Unavailable' });
    if (u.pathname.includes('/manifests/')) return new Response(manifest, { headers: { 'Content-Type': MEDIA_TYPES.ociManifest, 'Docker-Content-Digest': sha256Of(manifest) } });
    return new Response('no route', { status: 599 });
  };
  const connect: Connect = async (ref, endpoint, settings) =>
    new RegistryClient({ host: ref.domain, endpoint, insecureRegistries: settings.insecureRegistries, fetchImpl: impl, retry: NO_SLEEP });
  return { seen, connect };
}

async function open(image: string, settings: Partial<RegistrySettings>) {
  const { seen, connect } = world();
  const notes: string[] = [];
  const emit = (e: PullEvent): void => void (e.kind === 'note' && notes.push(e.message));
  const ref = parseReference(image);
  const result = openPullSource(ref, ref.tag ?? 'latest', platform, { mirrors: [], insecureRegistries: [], ...settings }, emit, connect);
  return { result, seen, notes };
}

describe('openPullSource', () => {
  it('tries the mirrors in order with the same repository path, noting each that fails', async () => {
    const { result, seen, notes } = await open('mysql', { mirrors: ['http://dead.lan:5001/', 'https://empty.lan/', 'https://broken.lan/', 'http://good.lan:5000/'] });
    const source = await result;
    expect(source.client.baseUrl).toBe('http://good.lan:5000');
    expect(source.image.digest).toBe(sha256Of(manifest));
    expect(seen.map((s) => s.url)).toEqual([
      'http://dead.lan:5001/v2/library/mysql/manifests/latest',
      'https://empty.lan/v2/library/mysql/manifests/latest',
      'https://broken.lan/v2/library/mysql/manifests/latest',
      'http://good.lan:5000/v2/library/mysql/manifests/latest',
    ]);
    expect(notes).toEqual([
      'mirror http://dead.lan:5001 unavailable (connection refused); trying the next',
      'mirror https://empty.lan unavailable (manifest for mysql:latest not found: manifest unknown: manifest unknown); trying the next',
      'mirror https://broken.lan unavailable (received unexpected HTTP status: 503 Service Unavailable); trying the next',
    ]);
  });

  it('falls back to Docker Hub after the last mirror', async () => {
    const { result, seen, notes } = await open('library/busybox:1.36', { mirrors: ['http://dead.lan/'] });
    expect((await result).client.baseUrl).toBe('https://registry-1.docker.io');
    expect(seen.at(-1)?.url).toBe('https://registry-1.docker.io/v2/library/busybox/manifests/1.36');
    expect(notes).toEqual(['mirror http://dead.lan unavailable (connection refused); falling back to https://registry-1.docker.io']);
  });

  it('Hub failing after the mirrors is the error, one line naming the host', async () => {
    const { result, notes } = await open('busybox', { mirrors: ['http://dead.lan/'], hubUrl: 'http://127.0.0.1:9/' });
    await expect(result).rejects.toThrow(/^error contacting 127\.0\.0\.1:9: connection refused$/);
    expect(notes).toEqual(['mirror http://dead.lan unavailable (connection refused); falling back to http://127.0.0.1:9']);
  });

  it('a registry other than docker.io is asked directly, mirrors or not', async () => {
    const { result, seen, notes } = await open('ghcr.io/acme/app:1', { mirrors: ['http://good.lan/'] });
    expect((await result).client.baseUrl).toBe('https://ghcr.io');
    expect(seen.map((s) => s.url)).toEqual(['https://ghcr.io/v2/acme/app/manifests/1']);
    expect(notes).toEqual([]);
  });

  it('https to an insecure mirror skips the certificate check; other hosts keep it', async () => {
    const { result, seen } = await open('busybox', { mirrors: ['https://good.lan:5443/'], insecureRegistries: ['good.lan:5443'] });
    await result;
    expect(seen).toEqual([{ url: 'https://good.lan:5443/v2/library/busybox/manifests/latest', agent: true }]);
    const other = await open('busybox', { mirrors: ['https://good.lan:5443/'] });
    await other.result;
    expect(other.seen[0]?.agent).toBe(false);
  });
});
