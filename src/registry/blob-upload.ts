import type { Readable } from 'node:stream';
import type { Response } from 'node-fetch';
import { MiniboxError } from '../util/errors.js';
import type { ErrorContext } from './errors.js';
import { RetryableError, backoff, isTransientNetworkError, withRetry, type RetryPolicy } from './retry.js';
import { discard, type SendRequest, type Transport } from './transport.js';

/**
 * Putting one blob into a repository the way the distribution spec describes it, streamed
 * from wherever the caller keeps it (never the whole blob in memory):
 *   HEAD  /v2/<repo>/blobs/<digest>                                  there already → done
 *   POST  /v2/<repo>/blobs/uploads/?mount=<digest>&from=<other repo>  201 → mounted
 *   POST  /v2/<repo>/blobs/uploads/                                   202 + Location
 *   PUT   <location>?digest=<digest>  with the bytes                   small blobs: one request
 *   PATCH <location>  Content-Range: a-b, each answer's Location next  large blobs: chunks,
 *   PUT   <location>?digest=<digest>  empty                            then closed by digest
 * A failure mid-upload starts the blob over in a fresh session (uploads are not resumable
 * across registries in practice), up to the retry policy's tries.
 */
export interface BlobSource {
  digest: string;
  size: number;
  /** Bytes [start, end) of the blob, a fresh stream each call (a retried chunk reads again). */
  open(start: number, end: number): Readable;
}

export type UploadOutcome = { kind: 'exists' } | { kind: 'mounted'; from: string } | { kind: 'pushed' };

export interface UploadOptions {
  /** Blobs up to this size go in one PUT; bigger ones in PATCH chunks of this size. */
  chunkBytes: number;
  /** Other repositories of the same registry that may hold the blob already. */
  mountFrom?: string[];
  onProgress?: (sent: number, total: number) => void;
}

export interface UploadContext {
  transport: Transport;
  retry: RetryPolicy;
  ctx: (repo: string, reference?: string) => ErrorContext;
}

export function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}

export function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}

/** Docker's default when a registry gives no size hint; MINIBOX_PUSH_CHUNK_BYTES overrides. */
export const DEFAULT_CHUNK_BYTES = 16 << 20;

export function chunkBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['MINIBOX_PUSH_CHUNK_BYTES'];
  if (raw === undefined || raw === '') return DEFAULT_CHUNK_BYTES;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new MiniboxError(`MINIBOX_PUSH_CHUNK_BYTES must be a positive integer, not ${JSON.stringify(raw)}`);
  return n;
}

export class BlobUploader {
  constructor(private readonly u: UploadContext) {}

  async exists(repo: string, digest: string): Promise<boolean> {
    const res = await withRetry(this.u.retry, () =>
      this.u.transport.send({ method: 'HEAD', url: this.u.transport.url(`/v2/${repo}/blobs/${digest}`), scopes: [pushScope(repo)], ctx: this.u.ctx(repo, digest), accept: [404] }),
    );
    await discard(res);
    return res.status !== 404;
  }

  async upload(repo: string, blob: BlobSource, opts: UploadOptions): Promise<UploadOutcome> {
    if (await this.exists(repo, blob.digest)) return { kind: 'exists' };
    let session: string | undefined;
    for (const from of opts.mountFrom ?? []) {
      if (from === repo) continue;
      const tried = await this.tryMount(repo, from, blob.digest);
      if (tried.mounted) return { kind: 'mounted', from };
      session = tried.location;
      if (session) break; // the registry opened an upload instead: use it
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(repo, blob, session ?? (await this.open(repo)), opts);
        return { kind: 'pushed' };
      } catch (err) {
        const transient = err instanceof RetryableError || isTransientNetworkError(err);
        if (!transient || attempt >= this.u.retry.tries) throw err instanceof RetryableError ? err.final : err;
        session = undefined;
        await this.u.retry.sleep(backoff(this.u.retry, attempt));
      }
    }
  }

  /** A mount that the registry refuses (no rights on `from`, unknown blob) is no error: we upload. */
  private async tryMount(repo: string, from: string, digest: string): Promise<{ mounted: boolean; location?: string }> {
    const url = new URL(this.u.transport.url(`/v2/${repo}/blobs/uploads/`));
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', from);
    try {
      const res = await this.u.transport.send({ method: 'POST', url: url.href, scopes: [pushScope(repo), pullScope(from)], ctx: this.u.ctx(repo, digest), headers: { 'Content-Length': '0' } });
      await discard(res);
      if (res.status === 201) return { mounted: true };
      return { mounted: false, ...(res.status === 202 ? { location: this.locationOf(res, repo) } : {}) };
    } catch (err) {
      if (err instanceof MiniboxError || err instanceof RetryableError) return { mounted: false };
      throw err;
    }
  }

  private async open(repo: string): Promise<string> {
    const res = await this.u.transport.send({
      method: 'POST', url: this.u.transport.url(`/v2/${repo}/blobs/uploads/`), scopes: [pushScope(repo)], ctx: this.u.ctx(repo), headers: { 'Content-Length': '0' },
    });
    await discard(res);
    return this.locationOf(res, repo);
  }

  private locationOf(res: Response, repo: string): string {
    const location = res.headers.get('location');
    if (!location) throw new MiniboxError(`the registry opened an upload for ${repo} without a Location`);
    return new URL(location, this.u.transport.base).href;
  }

  private async send(repo: string, blob: BlobSource, location: string, opts: UploadOptions): Promise<void> {
    const ctx = this.u.ctx(repo, blob.digest);
    let next = location;
    let done: Response;
    if (blob.size <= opts.chunkBytes) {
      done = await this.request({ method: 'PUT', url: withDigest(next, blob.digest), scopes: [pushScope(repo)], ctx, headers: octets(blob.size), body: () => blob.open(0, blob.size) });
      opts.onProgress?.(blob.size, blob.size);
    } else {
      for (let start = 0; start < blob.size; start += opts.chunkBytes) {
        const end = Math.min(blob.size, start + opts.chunkBytes);
        const res = await this.request({
          method: 'PATCH', url: next, scopes: [pushScope(repo)], ctx,
          headers: { ...octets(end - start), 'Content-Range': `${start}-${end - 1}` }, body: () => blob.open(start, end),
        });
        await discard(res);
        checkRange(res.headers.get('range'), end, blob.digest);
        next = this.locationOf(res, repo);
        opts.onProgress?.(end, blob.size);
      }
      done = await this.request({ method: 'PUT', url: withDigest(next, blob.digest), scopes: [pushScope(repo)], ctx, headers: octets(0), body: Buffer.alloc(0) });
    }
    await discard(done);
    const said = done.headers.get('docker-content-digest');
    if (said && said !== blob.digest) throw new MiniboxError(`the registry stored blob ${blob.digest} as ${said}`);
  }

  private request(req: SendRequest): Promise<Response> {
    return this.u.transport.send(req);
  }
}

function octets(length: number): Record<string, string> {
  return { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) };
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.href;
}

/** The registry says how much it holds (`Range: 0-<last>`); less than we sent means a lost chunk. */
function checkRange(range: string | null, end: number, digest: string): void {
  if (range === null) return; // optional in the spec
  const m = /^(?:bytes=)?0-(\d+)$/.exec(range.trim());
  if (m && Number(m[1]) + 1 !== end) {
    throw new MiniboxError(`upload of blob ${digest}: the registry holds bytes ${range}, expected 0-${end - 1}`);
  }
}
