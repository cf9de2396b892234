import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Response } from 'node-fetch';
import { digestHex, isDigest, sha256Of } from '../oci-format/digest.js';
import { familiarRepository } from '../oci-format/reference.js';
import { MiniboxError, describe } from '../util/errors.js';
import type { FetchImpl } from './auth.js';
import { loadCredentials, type Credentials } from './credentials.js';
import type { ErrorContext, Operation } from './errors.js';
import { platformCandidates, platformString } from './platform.js';
import { DEFAULT_RETRY, backoff, isTransientNetworkError, withRetry, type RetryPolicy } from './retry.js';
import { Transport, discard, registryDomain, type SendRequest } from './transport.js';
import { BlobUploader, pullScope, pushScope, type BlobSource, type UploadOptions, type UploadOutcome } from './blob-upload.js';
import type { Endpoint } from './endpoints.js';
import type { Platform } from '../oci-format/descriptor.js';
import { manifestMediaType, parseImageIndex, parseImageManifest, type ImageIndex, type ImageManifest } from '../oci-format/manifest.js';
import { MANIFEST_ACCEPT, MEDIA_TYPES, isIndexMediaType, isManifestMediaType } from '../oci-format/media-types.js';

/**
 * The OCI distribution client behind `minibox pull` and `push`: manifests with
 * digest verification, platform resolution through indexes, resumable verified blob
 * streams, and pushes (blob uploads in blob-upload.ts, manifest PUTs here). Everything network-facing (auth, redirects, schemes,
 * error wording) lives in Transport; this class is the API.
 */
export interface RegistryClientOptions {
  host: string; // as in the reference: docker.io, 127.0.0.1:5000, ghcr.io
  insecure?: boolean; // allow plain http for this host (like --insecure-registry)
  insecureRegistries?: string[];
  /** Talk to this API base instead of the host's (src/registry/endpoints.ts decides which). */
  endpoint?: Endpoint;
  credentials?: Credentials;
  fetchImpl?: FetchImpl;
  retry?: Partial<RetryPolicy>;
}

interface FetchedBase {
  mediaType: string;
  digest: string;
  bytes: Buffer;
}
export type FetchedImageManifest = FetchedBase & { kind: 'manifest'; json: ImageManifest };
export type FetchedIndex = FetchedBase & { kind: 'index'; json: ImageIndex };
export type FetchedManifest = FetchedImageManifest | FetchedIndex;

export interface BlobOptions {
  /** Resume from this byte (sends `Range: bytes=N-`); the digest is then the caller's to check. */
  offset?: number;
  /** The descriptor's size: more or fewer bytes is an error. */
  size?: number;
}

/** containerd's limit: a manifest is small JSON, anything bigger is an attack or a mistake. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_INDEX_DEPTH = 4;

export class RegistryClient {
  readonly host: string;
  private readonly transport: Transport;
  private readonly retry: RetryPolicy;
  private readonly uploader: BlobUploader;

  constructor(opts: RegistryClientOptions) {
    this.host = registryDomain(opts.host);
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.transport = new Transport({
      host: opts.host,
      insecure: opts.insecure ?? false,
      insecureRegistries: opts.insecureRegistries ?? [],
      ...(opts.endpoint?.url ? { endpoint: opts.endpoint.url } : {}),
      credentials: opts.credentials,
      fetchImpl: opts.fetchImpl,
      retry: this.retry,
    });
    this.uploader = new BlobUploader({ transport: this.transport, retry: this.retry, ctx: (repo, ref) => this.ctx('push', repo, ref) });
  }

  /**
   * A client using the login stored by `minibox login` / `docker login` for this host, if any.
   * A mirror gets the login stored for the mirror's own host, never Docker Hub's password.
   */
  static async withStoredLogin(opts: RegistryClientOptions): Promise<RegistryClient> {
    const loginHost = opts.endpoint?.mirror && opts.endpoint.url ? new URL(opts.endpoint.url).host : opts.host;
    const credentials = opts.credentials ?? (await loadCredentials(loginHost));
    return new RegistryClient({ ...opts, credentials });
  }

  /** The API base actually used, e.g. https://registry-1.docker.io. */
  get baseUrl(): string {
    return this.transport.base.origin;
  }

  /** Token requests made so far (the cache's effect is visible in tests). */
  get tokenRequests(): number {
    return this.transport.auth.tokenRequests;
  }

  /** `GET /v2/`, authenticating if challenged: checks reachability and, with credentials, the login. */
  async ping(): Promise<void> {
    const res = await withRetry(this.retry, () =>
      this.transport.send({ method: 'GET', url: this.transport.url('/v2/'), scopes: [], ctx: this.ctx('ping', '') }),
    );
    await discard(res);
  }

  async getManifest(repo: string, reference: string): Promise<FetchedManifest> {
    const req: SendRequest = {
      method: 'GET',
      url: this.transport.url(`/v2/${repo}/manifests/${reference}`),
      scopes: [pullScope(repo)],
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      ctx: this.ctx('manifest', repo, reference),
    };
    const { res, bytes } = await withRetry(this.retry, async () => {
      const res = await this.transport.send(req);
      return { res, bytes: await readLimited(res, MAX_MANIFEST_BYTES) };
    });
    const digest = verifyManifestDigest(this.displayName(repo), reference, bytes, res.headers.get('docker-content-digest'));
    return parseFetched(bytes, digest, res.headers.get('content-type'));
  }

  /** The image manifest for `platform` under `index`, descending into nested indexes. */
  async resolvePlatform(repo: string, index: ImageIndex, platform: Platform, depth = 0): Promise<FetchedImageManifest> {
    if (depth < MAX_INDEX_DEPTH) {
      for (const d of platformCandidates(index, platform)) {
        const m = await this.getManifest(repo, d.digest);
        if (m.kind === 'manifest') return m;
        try {
          return await this.resolvePlatform(repo, m.json, platform, depth + 1);
        } catch (err) {
          if (!(err instanceof NoMatchingManifest)) throw err;
        }
      }
    }
    throw new NoMatchingManifest(platform);
  }

  /** getManifest, then resolvePlatform when the reference names an index. */
  async getImageManifest(repo: string, reference: string, platform: Platform): Promise<FetchedImageManifest> {
    const m = await this.getManifest(repo, reference);
    return m.kind === 'manifest' ? m : this.resolvePlatform(repo, m.json, platform);
  }

  /**
   * A blob as a stream. From offset 0 the bytes are hashed and the stream fails at the end
   * on a digest mismatch, so callers must treat the data as unverified until 'end' (write
   * to a temp file, rename after). Resets mid-body are resumed with `Range`.
   */
  blob(repo: string, digest: string, opts: BlobOptions = {}): Readable {
    digestHex(digest); // only sha256 is verifiable; reject others before any I/O
    return Readable.from(this.blobChunks(repo, digest, opts.offset ?? 0, opts.size), { objectMode: false });
  }

  private async openBlob(repo: string, digest: string, from: number): Promise<Response> {
    const req: SendRequest = {
      method: 'GET',
      url: this.transport.url(`/v2/${repo}/blobs/${digest}`),
      scopes: [pullScope(repo)],
      headers: from > 0 ? { Range: `bytes=${from}-` } : {},
      ctx: this.ctx('blob', repo, digest),
      followRedirects: true,
    };
    const res = await withRetry(this.retry, () => this.transport.send(req));
    if (res.status === 206) checkContentRange(res.headers.get('content-range'), from, digest);
    return res;
  }

  private async *blobChunks(repo: string, digest: string, offset: number, size?: number): AsyncGenerator<Buffer> {
    const hash = offset === 0 ? createHash('sha256') : undefined;
    let pos = offset;
    for (let attempt = 1; ; attempt++) {
      const res = await this.openBlob(repo, digest, pos);
      // a server that ignores Range sends everything again: drop what we already have
      let skip = res.status === 206 ? 0 : pos;
      try {
        for await (const raw of bodyOf(res)) {
          let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            chunk = chunk.subarray(n);
            skip -= n;
            if (chunk.length === 0) continue;
          }
          pos += chunk.length;
          if (size !== undefined && pos > size) throw new MiniboxError(`blob ${digest} is larger than its ${size} bytes`);
          hash?.update(chunk);
          yield chunk;
        }
        break;
      } catch (err) {
        if (!isTransientNetworkError(err) || attempt >= this.retry.tries) throw blobReadError(err, digest);
        await this.retry.sleep(backoff(this.retry, attempt));
      }
    }
    if (size !== undefined && pos !== size) throw new MiniboxError(`blob ${digest} is truncated: got ${pos} of ${size} bytes`);
    const got = hash ? `sha256:${hash.digest('hex')}` : digest;
    if (got !== digest) throw new MiniboxError(`digest mismatch for blob ${digest} from ${this.displayName(repo)}: got ${got}`);
  }

  /** HEAD: is the blob already there (so a push can skip it)? */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    return this.uploader.exists(repo, digest);
  }

  /** Upload a small in-memory blob (a config, a test layer) unless the repository has it. */
  async pushBlob(repo: string, data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256Of(data);
    const source: BlobSource = { digest, size: data.length, open: (start, end) => Readable.from([data.subarray(start, end)]) };
    await this.uploader.upload(repo, source, { chunkBytes: Math.max(1, data.length) });
    return { digest, size: data.length };
  }

  /** Upload a blob streamed from `source`: skipped when present, mounted when possible, else PUT or PATCH chunks. */
  async uploadBlob(repo: string, source: BlobSource, opts: UploadOptions): Promise<UploadOutcome> {
    return this.uploader.upload(repo, source, opts);
  }

  /** PUT a manifest or index under a tag or its digest; returns its digest. */
  async pushManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await withRetry(this.retry, () =>
      this.transport.send({
        method: 'PUT',
        url: this.transport.url(`/v2/${repo}/manifests/${reference}`),
        scopes: [pushScope(repo)],
        ctx: this.ctx('push', repo, reference),
        headers: { 'Content-Type': mediaType },
        body: bytes,
      }),
    );
    await discard(res);
    const digest = sha256Of(bytes);
    const said = res.headers.get('docker-content-digest');
    if (said?.startsWith('sha256:') && said !== digest) throw new MiniboxError(`the registry stored the manifest as ${said}, its bytes are ${digest}`);
    return digest;
  }

  private displayName(repo: string): string {
    return familiarRepository({ domain: this.host, path: repo });
  }

  private ctx(op: Operation, repo: string, reference?: string): ErrorContext {
    // `anonymous` is filled in by the transport, which knows whether credentials were given
    return { op, name: this.displayName(repo), reference, anonymous: true };
  }
}

export class NoMatchingManifest extends MiniboxError {
  constructor(platform: Platform) {
    super(`no matching manifest for ${platformString(platform)} in the manifest list entries`);
  }
}

export { pullScope, pushScope };
export type { BlobSource, UploadOptions, UploadOutcome };

function bodyOf(res: Response): AsyncIterable<Buffer | Uint8Array> {
  if (!res.body) throw new MiniboxError('the registry sent no body');
  return res.body as AsyncIterable<Buffer | Uint8Array>;
}

async function readLimited(res: Response, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of bodyOf(res)) {
    total += chunk.length;
    if (total > limit) throw new MiniboxError(`manifest larger than ${limit} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function verifyManifestDigest(name: string, reference: string, bytes: Buffer, header: string | null): string {
  const computed = sha256Of(bytes);
  if (isDigest(reference) && reference !== computed) {
    throw new MiniboxError(`manifest digest mismatch for ${name}@${reference}: the registry sent ${computed}`);
  }
  // other algorithms in the header cannot be checked here; the bytes' sha256 still names them
  if (header?.startsWith('sha256:') && header !== computed) {
    throw new MiniboxError(`manifest digest mismatch for ${name}:${reference}: Docker-Content-Digest says ${header}, the bytes are ${computed}`);
  }
  return computed;
}

function parseFetched(bytes: Buffer, digest: string, contentType: string | null): FetchedManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new MiniboxError(`invalid manifest ${digest}: ${describe(err)}`);
  }
  const mediaType = manifestMediaType(json, contentType);
  if (isIndexMediaType(mediaType)) return { kind: 'index', mediaType, digest, bytes, json: parseImageIndex(json, mediaType) };
  if (isManifestMediaType(mediaType)) return { kind: 'manifest', mediaType, digest, bytes, json: parseImageManifest(json, mediaType) };
  if (mediaType === MEDIA_TYPES.dockerSchema1) {
    throw new MiniboxError('unsupported manifest: Docker image format v1 (schema 1) is no longer supported');
  }
  throw new MiniboxError(`unsupported manifest media type ${mediaType}`);
}

function checkContentRange(value: string | null, from: number, digest: string): void {
  const m = /^bytes (\d+)-/.exec(value ?? '');
  if (!m || Number(m[1]) !== from) {
    throw new MiniboxError(`blob ${digest}: asked for bytes from ${from}, got Content-Range ${JSON.stringify(value)}`);
  }
}

function blobReadError(err: unknown, digest: string): unknown {
  if (err instanceof MiniboxError) return err;
  return new MiniboxError(`error reading blob ${digest}: ${describe(err)}`, 125, { cause: err });
}
