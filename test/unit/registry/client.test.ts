import { Response, type RequestInit } from 'node-fetch';
import { describe, expect, it, vi } from 'vitest';
import { sha256Of } from '../../../src/oci-format/digest.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { MEDIA_TYPES } from '../../../src/oci-format/media-types.js';

/**
 * The client against a scripted fake server (fetchImpl): the parts whose behaviour is about
 * which request carries what — tokens, scopes, redirects, schemes, retries.
 */
interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
}

type Route = (url: URL, call: Call) => Response | undefined;

function fakeFetch(routes: Route[]) {
  const calls: Call[] = [];
  const impl = async (url: string, init: RequestInit): Promise<Response> => {
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const call = { url, method: init.method ?? 'GET', headers };
    calls.push(call);
    for (const r of routes) {
      const res = r(new URL(url), call);
      if (res) return res;
    }
    return new Response('no route', { status: 599 });
  };
  return { impl, calls };
}

const CHALLENGE = 'Bearer realm="https://auth.example/token",service="reg.example"';
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MEDIA_TYPES.ociConfig, digest: `sha256:${'1'.repeat(64)}`, size: 2 }, layers: [] }));
const blob = Buffer.from('hello blob');
const blobDigest = sha256Of(blob);

/** A registry on reg.example that wants a bearer token from auth.example. */
function registry(opts: { expiresIn?: number; tokenField?: 'token' | 'access_token' } = {}): Route[] {
  let n = 0;
  return [
    (u, c) => {
      if (u.host !== 'auth.example') return undefined;
      const body: Record<string, unknown> = { [opts.tokenField ?? 'token']: `tok${++n}:${u.searchParams.getAll('scope').join(' ')}` };
      if (opts.expiresIn !== undefined) body['expires_in'] = opts.expiresIn;
      return c.headers['authorization'] === 'Basic ' + Buffer.from('u:bad').toString('base64') ? new Response('{}', { status: 401 }) : new Response(JSON.stringify(body));
    },
    (u, c) => {
      if (u.host !== 'reg.example') return undefined;
      if (!c.headers['authorization']?.startsWith('Bearer ')) return new Response('', { status: 401, headers: { 'WWW-Authenticate': CHALLENGE } });
      if (u.pathname.includes('/manifests/')) {
        return new Response(manifest, { headers: { 'Content-Type': MEDIA_TYPES.ociManifest, 'Docker-Content-Digest': sha256Of(manifest) } });
      }
      return undefined;
    },
  ];
}

describe('RegistryClient (fake server)', () => {
  it('uses https except for loopback and insecure registries, and Hub’s API host', () => {
    expect(new RegistryClient({ host: 'docker.io' }).baseUrl).toBe('https://registry-1.docker.io');
    expect(new RegistryClient({ host: 'ghcr.io' }).baseUrl).toBe('https://ghcr.io');
    expect(new RegistryClient({ host: '127.0.0.1:5000' }).baseUrl).toBe('http://127.0.0.1:5000');
    expect(new RegistryClient({ host: '127.8.9.1' }).baseUrl).toBe('http://127.8.9.1');
    expect(new RegistryClient({ host: 'localhost:5000' }).baseUrl).toBe('http://localhost:5000');
    expect(new RegistryClient({ host: '10.0.0.5:5000' }).baseUrl).toBe('https://10.0.0.5:5000');
    expect(new RegistryClient({ host: '10.0.0.5:5000', insecureRegistries: ['10.0.0.5:5000'] }).baseUrl).toBe('http://10.0.0.5:5000');
    expect(new RegistryClient({ host: 'reg.lan', insecure: true }).baseUrl).toBe('http://reg.lan');
  });

  it('gets a token for the challenge, caches it per scope until it expires', async () => {
    let now = 1_000_000;
    const { impl, calls } = fakeFetch(registry({ tokenField: 'access_token' }));
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl });
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      await client.getManifest('a/b', 'v1');
      await client.getManifest('a/b', 'v1');
      expect(client.tokenRequests).toBe(1);
      const tokenCall = calls.find((c) => c.url.startsWith('https://auth.example/'));
      expect(new URL(tokenCall?.url ?? '').searchParams.get('service')).toBe('reg.example');
      expect(new URL(tokenCall?.url ?? '').searchParams.getAll('scope')).toEqual(['repository:a/b:pull']);
      await client.getManifest('c/d', 'v1'); // another scope: another token
      expect(client.tokenRequests).toBe(2);
      now += 61_000; // expires_in absent → 60 s
      await client.getManifest('a/b', 'v1');
      expect(client.tokenRequests).toBe(3);
    } finally {
      clock.mockRestore();
    }
  });

  it('asks again with the wider scope after insufficient_scope', async () => {
    const wide = 'Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull,push",error="insufficient_scope"';
    const { impl, calls } = fakeFetch([
      (u) => (u.host === 'auth.example' ? new Response(JSON.stringify({ token: `t-${u.searchParams.getAll('scope').join('+')}` })) : undefined),
      (u, c) => {
        if (!c.headers['authorization']) return new Response('', { status: 401, headers: { 'WWW-Authenticate': CHALLENGE } });
        if (u.pathname !== '/v2/' && !c.headers['authorization'].includes('push')) return new Response('', { status: 401, headers: { 'WWW-Authenticate': wide } });
        return new Response('', { status: 200 });
      },
    ]);
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl });
    await client.ping(); // learns the challenge
    expect(await client.hasBlob('a/b', blobDigest)).toBe(true);
    const tokenScopes = calls.filter((c) => c.url.includes('auth.example')).map((c) => new URL(c.url).searchParams.getAll('scope'));
    expect(tokenScopes.at(-1)).toEqual(['repository:a/b:pull,push']);
  });

  it("drops Authorization on a redirect to another host or port, keeps it on the registry's own", async () => {
    const routes: Route[] = [
      ...registry().slice(0, 1),
      (u, c) => {
        if (u.host !== 'reg.example') return undefined;
        if (!c.headers['authorization']) return new Response('', { status: 401, headers: { 'WWW-Authenticate': CHALLENGE } });
        if (u.pathname.endsWith(blobDigest)) return new Response('', { status: 307, headers: { Location: '/relative/then?x=1' } });
        if (u.pathname === '/relative/then') return new Response('', { status: 302, headers: { Location: 'https://reg.example:8443/cdn?sig=1' } });
        return undefined;
      },
      (u) => (u.host === 'reg.example:8443' ? new Response('', { status: 307, headers: { Location: 'https://cdn.example/blob?sig=2' } }) : undefined),
      (u) => (u.host === 'cdn.example' ? new Response(blob) : undefined),
    ];
    const { impl, calls } = fakeFetch(routes);
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl, credentials: { username: 'u', password: 'p' } });
    const chunks: Buffer[] = [];
    for await (const c of client.blob('a/b', blobDigest)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(blob);
    const auth = (host: string) => calls.filter((c) => new URL(c.url).host === host).map((c) => c.headers['authorization']);
    expect(auth('reg.example').at(-1)).toMatch(/^Bearer /); // same host:port after a relative redirect
    expect(auth('reg.example:8443')).toEqual([undefined]); // same name, other port
    expect(auth('cdn.example')).toEqual([undefined]);
    expect(calls.every((c) => c.method === 'GET')).toBe(true);
  });

  it('refuses to follow a redirect to plain http on a public host', async () => {
    const { impl } = fakeFetch([
      (u) => (u.host === 'reg.example' ? new Response('', { status: 307, headers: { Location: 'http://cdn.example/x' } }) : undefined),
    ]);
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl });
    const read = async () => {
      for await (const _ of client.blob('a/b', blobDigest)) void _;
    };
    await expect(read()).rejects.toThrow('refusing redirect to insecure http://cdn.example');
  });

  it('refuses to send credentials to a plain-http token realm on a public host', async () => {
    const { impl } = fakeFetch([() => new Response('', { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="http://auth.example/token"' } })]);
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl, credentials: { username: 'u', password: 'p' } });
    await expect(client.ping()).rejects.toThrow(/refusing insecure token realm http:\/\/auth\.example\/token/);
  });

  it('reports a bad password from the token server in Docker words', async () => {
    const { impl } = fakeFetch(registry());
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl, credentials: { username: 'u', password: 'bad' } });
    await expect(client.getManifest('a/b', 'v1')).rejects.toThrow(/^unauthorized: incorrect username or password$/);
  });

  it('sends Basic credentials to a registry that challenges with Basic', async () => {
    const { impl, calls } = fakeFetch([
      (_u, c) => (c.headers['authorization'] === 'Basic ' + Buffer.from('u:p').toString('base64') ? new Response(manifest) : new Response('', { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="Registry Realm"' } })),
    ]);
    const m = await new RegistryClient({ host: 'reg.example', fetchImpl: impl, credentials: { username: 'u', password: 'p' } }).getManifest('a/b', 'v1');
    expect(m.kind).toBe('manifest');
    expect(calls).toHaveLength(2);
  });

  it('retries connection resets with exponential backoff, then gives up', async () => {
    const reset = Object.assign(new Error('request to https://reg.example failed, reason: socket hang up'), { code: 'ECONNRESET' });
    let n = 0;
    const delays: number[] = [];
    const impl = async (): Promise<Response> => {
      n++;
      throw reset;
    };
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl, retry: { baseDelayMs: 100, sleep: async (ms) => void delays.push(ms) } });
    await expect(client.ping()).rejects.toThrow(/socket hang up/);
    expect(n).toBe(3);
    expect(delays).toEqual([100, 200]);
  });

  it('checks a digest reference and Docker-Content-Digest against the bytes', async () => {
    const other = `sha256:${'f'.repeat(64)}`;
    const { impl } = fakeFetch([(u) => new Response(manifest, { headers: u.pathname.endsWith('v1') ? { 'Docker-Content-Digest': other } : {} })]);
    const client = new RegistryClient({ host: 'reg.example', fetchImpl: impl });
    await expect(client.getManifest('a/b', other)).rejects.toThrow(`manifest digest mismatch for reg.example/a/b@${other}`);
    await expect(client.getManifest('a/b', 'v1')).rejects.toThrow(/Docker-Content-Digest says sha256:f+/);
    const ok = await client.getManifest('a/b', sha256Of(manifest));
    expect(ok.mediaType).toBe(MEDIA_TYPES.ociManifest); // from the document, no Content-Type needed
  });

  it('rejects schema 1 manifests clearly', async () => {
    const v1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'a/b', fsLayers: [] }));
    const { impl } = fakeFetch([() => new Response(v1, { headers: { 'Content-Type': MEDIA_TYPES.dockerSchema1 } })]);
    await expect(new RegistryClient({ host: 'reg.example', fetchImpl: impl }).getManifest('a/b', 'old')).rejects.toThrow(/schema 1/);
  });
});
