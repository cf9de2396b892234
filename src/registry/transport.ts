import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import fetch, { type Response } from 'node-fetch';
import { MiniboxError, describe } from '../util/errors.js';
import { trace } from '../util/trace-events.js';
import { traceExchange } from './trace-http.js';
import { Authenticator, type FetchImpl } from './auth.js';
import type { Credentials } from './credentials.js';
import { registryError, type ErrorContext } from './errors.js';
import { InsecureRegistries, isLoopbackHost } from './insecure.js';
import { RetryableError, isTransientNetworkError, type RetryPolicy } from './retry.js';

/**
 * One HTTP exchange with a registry: the scheme rule (http only for loopback and insecure
 * registries, as Docker decides; https to an insecure registry or mirror is not verified),
 * or an explicit API base (a mirror), the bearer-token dance on 401, manual redirects that
 * never carry our Authorization to another host, and the mapping of failures (5xx become
 * retryable; the rest become the user-facing MiniboxError).
 */
/** A request body: bytes, or a function giving a fresh stream for each attempt (a 401 retry re-sends). */
export type RequestBody = Buffer | (() => Readable);

export interface SendRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  scopes: string[];
  ctx: ErrorContext;
  headers?: Record<string, string>;
  body?: RequestBody;
  followRedirects?: boolean;
  /** Statuses that are an answer rather than a failure (e.g. 404 for "blob exists?"). */
  accept?: number[];
}

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const MAX_REDIRECTS = 5;
const USER_AGENT = 'minibox/0.1 (+registry client)';

/** Registry name → the host its API answers on (Hub's API is not on docker.io itself). */
export function apiHost(host: string): string {
  return DOCKER_HUB_HOSTS.has(host) ? 'registry-1.docker.io' : host;
}

/** The name the user knows the registry by: every Hub alias is docker.io. */
export function registryDomain(host: string): string {
  return DOCKER_HUB_HOSTS.has(host) ? 'docker.io' : host;
}

/** Docker's default insecure set: localhost and 127.0.0.0/8 (plus ::1), any port. */
export { isLoopbackHost };

export interface TransportOptions {
  host: string;
  insecure: boolean;
  insecureRegistries: string[];
  /** An API base other than the host's own (a mirror, a stand-in for Hub); ends in `/`. */
  endpoint?: string;
  credentials?: Credentials;
  fetchImpl?: FetchImpl;
  retry: RetryPolicy;
}

/** For https to an insecure registry: Docker skips the certificate check there. */
const UNVERIFIED_TLS = new HttpsAgent({ rejectUnauthorized: false });

export class Transport {
  readonly base: URL;
  readonly auth: Authenticator;
  private readonly fetchImpl: FetchImpl;
  private readonly insecureHosts: InsecureRegistries;
  /** Hosts the user named with an http:// URL (a mirror): plain http is their choice, TLS is still checked elsewhere. */
  private readonly plainHosts = new Set<string>();

  constructor(opts: TransportOptions) {
    this.fetchImpl = opts.fetchImpl ?? fetch;
    const host = apiHost(opts.host);
    this.insecureHosts = new InsecureRegistries(opts.insecureRegistries);
    if (opts.insecure) this.insecureHosts.add(host);
    if (opts.endpoint) {
      this.base = new URL(opts.endpoint.endsWith('/') ? opts.endpoint : `${opts.endpoint}/`);
      if (this.base.protocol === 'http:') this.plainHosts.add(this.base.host);
    } else {
      this.base = new URL(`${this.allowHttp(host) ? 'http' : 'https'}://${host}/`);
    }
    this.auth = new Authenticator({
      fetchImpl: async (url, init) => {
        const res = await this.fetchImpl(url, { ...init, headers: { 'User-Agent': USER_AGENT, ...init.headers }, ...this.tlsFor(url) });
        if (trace.on) traceExchange(init.method ?? 'GET', url, res, 'registry-token');
        return res;
      },
      credentials: opts.credentials,
      allowHttp: (h) => this.allowHttp(h),
    });
  }

  allowHttp(host: string): boolean {
    return this.plainHosts.has(host) || this.insecureHosts.has(host);
  }

  private tlsFor(url: string): { agent?: HttpsAgent } {
    const target = new URL(url);
    return target.protocol === 'https:' && this.insecureHosts.has(target.host) ? { agent: UNVERIFIED_TLS } : {};
  }

  /** `/v2/…` below the base, keeping a mirror's path prefix (`https://m.lan/hub/v2/…`). */
  url(path: string): string {
    return new URL(path.replace(/^\/+/, ''), this.base).href;
  }

  /** One try (the caller retries): a 5xx or a reset connection throws RetryableError. */
  async send(req: SendRequest): Promise<Response> {
    let res = await this.attempt(req, req.url, req.scopes, false);
    if (res.status === 401) {
      const scopes = this.auth.onUnauthorized(res.headers.get('www-authenticate'), req.scopes);
      if (scopes) {
        await discard(res);
        res = await this.attempt(req, req.url, scopes, true);
      }
    }
    if (req.followRedirects) res = await this.followRedirects(req, res);
    return this.check(req, res);
  }

  private async check(req: SendRequest, res: Response): Promise<Response> {
    if (res.ok || req.accept?.includes(res.status)) return res;
    const failure = { status: res.status, statusText: res.statusText, retryAfter: res.headers.get('retry-after'), body: await safeText(res) };
    const err = registryError(failure, { ...req.ctx, anonymous: this.auth.anonymous });
    throw res.status >= 500 ? new RetryableError(err) : err;
  }

  private async attempt(req: SendRequest, url: string, scopes: string[], fresh: boolean): Promise<Response> {
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...req.headers };
    // the registry's own token only ever goes to the registry's own host:port
    if (new URL(url).host === this.base.host) {
      const authorization = await this.auth.header(scopes, fresh);
      if (authorization) headers['Authorization'] = authorization;
    }
    try {
      const body = typeof req.body === 'function' ? req.body() : req.body;
      const res = await this.fetchImpl(url, { method: req.method, headers, body, redirect: 'manual', ...this.tlsFor(url) });
      if (trace.on) traceExchange(req.method, url, res);
      return res;
    } catch (err) {
      if (isTransientNetworkError(err)) throw err;
      throw new MiniboxError(`error contacting ${new URL(url).host}: ${describe(err)}`, 125, { cause: err });
    }
  }

  /**
   * Hub sends blobs from a CDN: follow 3xx ourselves so the Authorization header is dropped
   * whenever the next hop is another host or port (the signed URL is the credential there).
   */
  private async followRedirects(req: SendRequest, first: Response): Promise<Response> {
    let res = first;
    let url = req.url;
    for (let hops = 0; isRedirect(res.status); hops++) {
      if (hops >= MAX_REDIRECTS) throw new MiniboxError(`too many redirects fetching ${req.url}`);
      const location = res.headers.get('location');
      if (!location) throw new MiniboxError(`redirect without a Location from ${new URL(url).host}`);
      await discard(res);
      const next = new URL(location, url);
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && this.allowHttp(next.host))) {
        throw new MiniboxError(`refusing redirect to insecure ${next.protocol}//${next.host}`);
      }
      url = next.href;
      res = await this.attempt(req, url, req.scopes, false);
    }
    return res;
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Read and drop a body we do not need, so the connection can be reused. */
export async function discard(res: Response): Promise<void> {
  try {
    await res.arrayBuffer();
  } catch {
    // the answer is already decided; a broken body changes nothing
  }
}

async function safeText(res: Response): Promise<string> {
  try {
    return await res.text();
  } catch {
    return '';
  }
}
