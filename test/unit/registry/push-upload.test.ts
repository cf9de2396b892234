import { Readable } from 'node:stream';
import { Response, type RequestInit } from 'node-fetch';
import { describe, expect, it } from 'vitest';
import { sha256Of } from '../../../src/oci-format/digest.js';
import { RegistryClient, type BlobSource } from '../../../src/registry/client.js';
import { chunkBytesFromEnv, DEFAULT_CHUNK_BYTES } from '../../../src/registry/blob-upload.js';

/**
 * Blob uploads against a scripted in-memory registry (no auth): which requests a push sends
 * for a blob that is there, one that can be mounted, a small one (one PUT) and a big one
 * (PATCH chunks with Content-Range, each following the Location it got), how a 5xx mid-upload
 * starts the blob over in a new session, and what the registry storing other bytes means.
 */
interface Call {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

async function bodyOf(init: RequestInit): Promise<Buffer> {
  const b = init.body as unknown;
  if (b === undefined || b === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(b)) return b;
  const chunks: Buffer[] = [];
  for await (const c of b as Readable) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

interface FakeOptions {
  has?: Set<string>; // digests the target repository holds
  mountable?: Set<string>; // digests another repository holds
  failPatchOnce?: number; // fail the PATCH with this index once with a 503
  storeAs?: string; // answer the final PUT with this Docker-Content-Digest
}

function fakeRegistry(opts: FakeOptions = {}) {
  const calls: Call[] = [];
  const sessions = new Map<string, Buffer>();
  let nextSession = 0;
  let patches = 0;
  let failed = false;
  const stored = new Map<string, Buffer>();
  const impl = async (raw: string, init: RequestInit): Promise<Response> => {
    const url = new URL(raw);
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const body = await bodyOf(init);
    const method = init.method ?? 'GET';
    calls.push({ method, url, headers, body });
    const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (method === 'HEAD' && blob) return new Response(null, { status: opts.has?.has(blob[2] ?? '') ? 200 : 404 });
    if (method === 'POST' && url.pathname.endsWith('/blobs/uploads/')) {
      const mount = url.searchParams.get('mount');
      if (mount && opts.mountable?.has(mount)) return new Response(null, { status: 201 });
      const id = `s${nextSession++}`;
      sessions.set(id, Buffer.alloc(0));
      return new Response(null, { status: 202, headers: { Location: `/v2/uploads/${id}?state=0` } });
    }
    const session = /^\/v2\/uploads\/(s\d+)$/.exec(url.pathname)?.[1];
    if (session && method === 'PATCH') {
      const index = patches++;
      if (opts.failPatchOnce === index && !failed) {
        failed = true;
        return new Response('busy', { status: 503 });
      }
      const have = sessions.get(session) ?? Buffer.alloc(0);
      const [start] = (headers['content-range'] ?? '').split('-').map(Number);
      if (start !== have.length) return new Response('bad range', { status: 416 });
      const now = Buffer.concat([have, body]);
      sessions.set(session, now);
      return new Response(null, { status: 202, headers: { Location: `/v2/uploads/${session}?state=${now.length}`, Range: `0-${now.length - 1}` } });
    }
    if (session && method === 'PUT') {
      const all = Buffer.concat([sessions.get(session) ?? Buffer.alloc(0), body]);
      const digest = url.searchParams.get('digest') ?? '';
      if (sha256Of(all) !== digest) return new Response(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }] }), { status: 400 });
      stored.set(digest, all);
      return new Response(null, { status: 201, headers: { 'Docker-Content-Digest': opts.storeAs ?? digest } });
    }
    return new Response('no route', { status: 599 });
  };
  return { impl, calls, stored };
}

function client(impl: (url: string, init: RequestInit) => Promise<Response>): RegistryClient {
  return new RegistryClient({ host: '127.0.0.1:5000', fetchImpl: impl, retry: { sleep: async () => {} } });
}

function source(data: Buffer): BlobSource & { opened: Array<[number, number]> } {
  const opened: Array<[number, number]> = [];
  return { digest: sha256Of(data), size: data.length, opened, open: (start, end) => (opened.push([start, end]), Readable.from([data.subarray(start, end)])) };
}

const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

describe('blob upload', () => {
  it('skips a blob the repository has (HEAD only)', async () => {
    const reg = fakeRegistry({ has: new Set([sha256Of(data)]) });
    expect(await client(reg.impl).uploadBlob('me/app', source(data), { chunkBytes: 4096 })).toEqual({ kind: 'exists' });
    expect(reg.calls.map((c) => c.method)).toEqual(['HEAD']);
  });

  it('mounts from a repository that has it, asking with mount= and from=', async () => {
    const reg = fakeRegistry({ mountable: new Set([sha256Of(data)]) });
    const src = source(data);
    expect(await client(reg.impl).uploadBlob('me/app', src, { chunkBytes: 4096, mountFrom: ['library/base'] })).toEqual({ kind: 'mounted', from: 'library/base' });
    const post = reg.calls.find((c) => c.method === 'POST');
    expect(post?.url.searchParams.get('mount')).toBe(src.digest);
    expect(post?.url.searchParams.get('from')).toBe('library/base');
    expect(src.opened).toEqual([]); // not a byte read
  });

  it('a refused mount opens a session the upload then uses', async () => {
    const reg = fakeRegistry();
    expect(await client(reg.impl).uploadBlob('me/app', source(data), { chunkBytes: 4096, mountFrom: ['library/base'] })).toEqual({ kind: 'pushed' });
    expect(reg.calls.map((c) => c.method)).toEqual(['HEAD', 'POST', 'PUT']);
    expect(reg.stored.get(sha256Of(data))).toEqual(data);
  });

  it('sends a small blob in one PUT with its length and digest', async () => {
    const reg = fakeRegistry();
    await client(reg.impl).uploadBlob('me/app', source(data), { chunkBytes: data.length });
    const put = reg.calls.find((c) => c.method === 'PUT');
    expect(put?.headers['content-length']).toBe(String(data.length));
    expect(put?.url.searchParams.get('digest')).toBe(sha256Of(data));
    expect(put?.url.searchParams.get('state')).toBe('0'); // the Location's own query is kept
  });

  it('sends a big blob in PATCH chunks with Content-Range, following each Location, then PUT ?digest', async () => {
    const reg = fakeRegistry();
    const progress: number[] = [];
    const src = source(data);
    await client(reg.impl).uploadBlob('me/app', src, { chunkBytes: 300, onProgress: (n) => progress.push(n) });
    const patches = reg.calls.filter((c) => c.method === 'PATCH');
    expect(patches.map((c) => c.headers['content-range'])).toEqual(['0-299', '300-599', '600-899', '900-999']);
    expect(patches.map((c) => c.url.searchParams.get('state'))).toEqual(['0', '300', '600', '900']);
    expect(src.opened).toEqual([[0, 300], [300, 600], [600, 900], [900, 1000]]);
    const put = reg.calls[reg.calls.length - 1];
    expect(put?.method).toBe('PUT');
    expect(put?.body.length).toBe(0);
    expect(progress).toEqual([300, 600, 900, 1000]);
    expect(reg.stored.get(sha256Of(data))).toEqual(data);
  });

  it('a 5xx mid-upload starts the blob over in a new session', async () => {
    const reg = fakeRegistry({ failPatchOnce: 2 });
    expect(await client(reg.impl).uploadBlob('me/app', source(data), { chunkBytes: 300 })).toEqual({ kind: 'pushed' });
    expect(reg.calls.filter((c) => c.method === 'POST')).toHaveLength(2);
    expect(reg.stored.get(sha256Of(data))).toEqual(data);
  });

  it('fails when the registry says it stored other bytes', async () => {
    const reg = fakeRegistry({ storeAs: `sha256:${'0'.repeat(64)}` });
    await expect(client(reg.impl).uploadBlob('me/app', source(data), { chunkBytes: 4096 })).rejects.toThrow(`the registry stored blob ${sha256Of(data)} as sha256:${'0'.repeat(64)}`);
  });

  it('MINIBOX_PUSH_CHUNK_BYTES sets the chunk size; junk in it is an error', () => {
    expect(chunkBytesFromEnv({})).toBe(DEFAULT_CHUNK_BYTES);
    expect(chunkBytesFromEnv({ MINIBOX_PUSH_CHUNK_BYTES: '65536' })).toBe(65536);
    expect(() => chunkBytesFromEnv({ MINIBOX_PUSH_CHUNK_BYTES: '1e3x' })).toThrow('MINIBOX_PUSH_CHUNK_BYTES must be a positive integer');
  });
});
