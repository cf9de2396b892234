import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Of } from '../../src/oci-format/digest.js';
import { RegistryClient } from '../../src/registry/client.js';
import { MiniboxError } from '../../src/util/errors.js';
import {
  imageConfig,
  makeLayer,
  pushImage,
  pushIndex,
  startFaultProxy,
  startRedirector,
  startRegistry,
  type FaultProxy,
  type LabRegistry,
  type PushedImage,
  type PushedIndex,
  type Redirector,
} from '../helpers/registry-lab/index.js';

/**
 * The distribution client against a real registry (Debian's docker-registry) behind a
 * Hub-style token server, plus the lab's redirector and fault proxy. Covers issue #3's
 * pull path end to end; no network beyond 127.0.0.1.
 */
const ALICE = { username: 'alice', password: 's3cret' };
const fastRetry = { baseDelayMs: 5 };

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

let lab: LabRegistry;
let app: PushedImage;
let appLayer: Buffer;
let multi: PushedIndex;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  lab = await startRegistry({ auth: { users: { alice: ALICE.password } } });
  cleanups.push(() => lab.stop());
  process.stderr.write(`registry lab with token auth started in ${lab.startupMs} ms\n`);
  appLayer = await makeLayer({ 'etc/hello': 'hello\n' }, 256 * 1024);
  app = await pushImage(lab.host, 'test/app', 'v1', { layers: [appLayer], config: imageConfig() }, ALICE);
  const arch = async (architecture: string, variant?: string) => ({
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
    image: { layers: [await makeLayer({ arch: architecture })], config: imageConfig({ os: 'linux', architecture }) },
  });
  multi = await pushIndex(lab.host, 'test/multi', 'latest', [await arch('arm64', 'v8'), await arch('amd64')], ALICE, { attestationFirst: true });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('the lab', () => {
  it('fails loudly, never skips, without the docker-registry binary', async () => {
    await expect(startRegistry({ bin: '/nonexistent/docker-registry' })).rejects.toThrow(
      '/nonexistent/docker-registry is missing: the registry tests need Debian\'s docker-registry (apt-get install -y docker-registry)',
    );
  });

  it('starts a registry without auth too, and stop() removes everything', async () => {
    const plain = await startRegistry();
    process.stderr.write(`registry lab without auth started in ${plain.startupMs} ms\n`);
    await pushImage(plain.host, 'test/plain', 'v1', { layers: [await makeLayer({ a: 'b' })], config: imageConfig() });
    // a plain distribution registry does not hide missing repositories: Docker prints this
    await expect(new RegistryClient({ host: plain.host }).getManifest('test/nosuch', 'latest')).rejects.toThrow(
      `manifest for ${plain.host}/test/nosuch:latest not found: manifest unknown: manifest unknown`,
    );
    await plain.stop();
    expect(existsSync(plain.dir)).toBe(false);
    await expect(fetch(`http://${plain.host}/v2/`)).rejects.toThrow();
  });
});

describe('pull with token auth', () => {
  it('pulls a manifest and a blob anonymously', async () => {
    const client = new RegistryClient({ host: lab.host });
    const m = await client.getManifest('test/app', 'v1');
    expect(m.kind).toBe('manifest');
    expect(m.digest).toBe(app.digest);
    expect(m.bytes.equals(app.bytes)).toBe(true);
    const layer = m.kind === 'manifest' ? m.json.layers[0] : undefined;
    expect(layer?.digest).toBe(sha256Of(appLayer));
    const data = await readAll(client.blob('test/app', layer?.digest ?? '', { size: layer?.size }));
    expect(data.equals(appLayer)).toBe(true);
    const anon = lab.token?.requests.filter((r) => r.user === undefined && r.scopes.includes('repository:test/app:pull'));
    expect(anon?.length).toBeGreaterThan(0);
    expect(client.tokenRequests).toBe(1); // the blob reused the manifest's cached token
  });

  it('pulls by digest and verifies it', async () => {
    const client = new RegistryClient({ host: lab.host });
    const m = await client.getManifest('test/app', app.digest);
    expect(m.digest).toBe(app.digest);
  });

  it('needs credentials to push, and pushes with them', async () => {
    const data = Buffer.from('pushed by alice');
    await expect(new RegistryClient({ host: lab.host }).pushBlob('test/pushme', data)).rejects.toThrow(/unauthorized|denied/);
    const client = new RegistryClient({ host: lab.host, credentials: ALICE });
    const pushed = await client.pushBlob('test/pushme', data);
    expect(pushed.digest).toBe(sha256Of(data));
    expect(await readAll(client.blob('test/pushme', pushed.digest))).toEqual(data);
    expect(lab.token?.requests.some((r) => r.user === 'alice' && r.scopes.includes('repository:test/pushme:pull,push'))).toBe(true);
  });

  it('reports a wrong password in Docker words', async () => {
    const client = new RegistryClient({ host: lab.host, credentials: { username: 'alice', password: 'wrong' } });
    await expect(client.getManifest('test/app', 'v1')).rejects.toThrow(/^unauthorized: incorrect username or password$/);
    await expect(client.ping()).rejects.toThrow(/^unauthorized: incorrect username or password$/);
    await expect(new RegistryClient({ host: lab.host, credentials: ALICE }).ping()).resolves.toBeUndefined();
  });

  it('maps an unknown repository and an unknown tag', async () => {
    const client = new RegistryClient({ host: lab.host });
    await expect(client.getManifest('test/nosuch', 'latest')).rejects.toThrow(
      `pull access denied for ${lab.host}/test/nosuch, repository does not exist or may require 'minibox login'`,
    );
    await expect(client.getManifest('test/app', 'nosuch')).rejects.toThrow(
      `manifest for ${lab.host}/test/app:nosuch not found: manifest unknown: manifest unknown`,
    );
  });
});

describe('manifest lists', () => {
  it('chooses linux/amd64 and skips attestations', async () => {
    const client = new RegistryClient({ host: lab.host });
    const top = await client.getManifest('test/multi', 'latest');
    expect(top.kind).toBe('index');
    expect(top.digest).toBe(multi.digest);
    const amd64 = await client.getImageManifest('test/multi', 'latest', { os: 'linux', architecture: 'amd64' });
    expect(amd64.digest).toBe(multi.images[1]?.digest);
    const arm64 = await client.getImageManifest('test/multi', 'latest', { os: 'linux', architecture: 'arm64' });
    expect(arm64.digest).toBe(multi.images[0]?.digest);
    await expect(client.getImageManifest('test/multi', 'latest', { os: 'linux', architecture: 's390x' })).rejects.toThrow(
      'no matching manifest for linux/s390x in the manifest list entries',
    );
  });

  it('descends into a nested index', async () => {
    const layer = await makeLayer({ nested: 'yes' });
    const nested = await pushIndex(lab.host, 'test/nested', 'latest', [{ platform: { os: 'linux', architecture: 'amd64' }, image: { layers: [layer], config: imageConfig() } }], ALICE, { nested: true });
    const m = await new RegistryClient({ host: lab.host }).getImageManifest('test/nested', 'latest', { os: 'linux', architecture: 'amd64' });
    expect(m.digest).toBe(nested.images[0]?.digest);
  });
});

describe('blob redirects', () => {
  let redirector: Redirector;
  beforeAll(async () => {
    redirector = await startRedirector(lab.host);
    cleanups.push(() => redirector.stop());
  });

  it('follows the redirect without the Authorization header', async () => {
    const client = new RegistryClient({ host: redirector.host, credentials: ALICE });
    const layer = app.layers[0];
    const data = await readAll(client.blob('test/app', layer?.digest ?? ''));
    expect(data.equals(appLayer)).toBe(true);
    const blobGets = redirector.front.filter((r) => r.method === 'GET' && r.url.includes('/blobs/'));
    expect(blobGets.some((r) => r.headers.authorization?.startsWith('Bearer '))).toBe(true);
    expect(redirector.cdn.length).toBeGreaterThan(0);
    for (const r of redirector.cdn) expect(r.headers.authorization).toBeUndefined();
  });

  it('resumes from an offset with Range at the CDN', async () => {
    const client = new RegistryClient({ host: redirector.host });
    const data = await readAll(client.blob('test/app', app.layers[0]?.digest ?? '', { offset: 1000 }));
    expect(data.equals(appLayer.subarray(1000))).toBe(true);
    expect(redirector.cdn.at(-1)?.headers.range).toBe('bytes=1000-');
  });
});

describe('faults', () => {
  const proxies: FaultProxy[] = [];
  afterAll(async () => {
    for (const p of proxies) await p.stop();
  });
  const proxy = async (plan: Parameters<typeof startFaultProxy>[1]): Promise<FaultProxy> => {
    const p = await startFaultProxy(lab.host, plan);
    proxies.push(p);
    return p;
  };
  const blobPath = /^GET \/v2\/test\/app\/blobs\//;

  it('retries 500s, then succeeds', async () => {
    const p = await proxy([{ match: /^GET \/v2\/test\/app\/manifests\//, fault: { kind: 'status', status: 500 }, times: 2 }]);
    const delays: number[] = [];
    const client = new RegistryClient({ host: p.host, retry: { ...fastRetry, sleep: async (ms) => void delays.push(ms) } });
    const m = await client.getManifest('test/app', 'v1');
    expect(m.digest).toBe(app.digest);
    expect(p.requests.filter((r) => r.fault === 'status')).toHaveLength(2);
    expect(delays).toEqual([5, 10]);
  });

  it('gives up after three 500s', async () => {
    const p = await proxy([{ match: /manifests/, fault: { kind: 'status', status: 500 } }]);
    const client = new RegistryClient({ host: p.host, retry: fastRetry });
    await expect(client.getManifest('test/app', 'v1')).rejects.toThrow('received unexpected HTTP status: 500 Internal Server Error');
    expect(p.requests.filter((r) => r.fault === 'status')).toHaveLength(3);
  });

  it('resumes a blob with Range after a reset mid-body', async () => {
    const p = await proxy([{ match: blobPath, fault: { kind: 'reset', afterBytes: 100_000 }, times: 1 }]);
    const client = new RegistryClient({ host: p.host, retry: fastRetry });
    const data = await readAll(client.blob('test/app', app.layers[0]?.digest ?? ''));
    expect(data.equals(appLayer)).toBe(true);
    const gets = p.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/') && r.status < 300);
    expect(gets[0]?.fault).toBe('reset');
    expect(gets[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(Number(gets[1]?.range?.slice(6, -1))).toBeGreaterThan(0);
  });

  it('reports 429 with Retry-After and the login hint', async () => {
    const body = JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit' }] });
    const p = await proxy([{ match: /manifests/, fault: { kind: 'status', status: 429, retryAfter: 42, body } }]);
    const err = await new RegistryClient({ host: p.host, retry: fastRetry }).getManifest('test/app', 'v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MiniboxError);
    expect(String((err as Error).message)).toMatch(/^toomanyrequests: You have reached your pull rate limit.*Retry after 42 s\. .*'minibox login'/);
    expect(p.requests.filter((r) => r.fault === 'status')).toHaveLength(1); // a 429 is not retried
  });

  it('rejects a blob whose bytes do not match its digest', async () => {
    const p = await proxy([{ match: blobPath, fault: { kind: 'corrupt' } }]);
    const digest = app.layers[0]?.digest ?? '';
    const client = new RegistryClient({ host: p.host, retry: fastRetry });
    await expect(readAll(client.blob('test/app', digest))).rejects.toThrow(`digest mismatch for blob ${digest}`);
  });

  it('rejects a manifest whose bytes do not match its digest', async () => {
    const p = await proxy([{ match: /manifests/, fault: { kind: 'corrupt' } }]);
    const client = new RegistryClient({ host: p.host, retry: fastRetry });
    await expect(client.getManifest('test/app', 'v1')).rejects.toThrow(/manifest digest mismatch/);
  });
});
