import fetch, { type Response } from 'node-fetch';
import { MiniboxError, describe } from '../util/errors.js';
import { Authenticator, type FetchImpl } from './auth.js';
import type { Credentials } from './credentials.js';
import { registryError, type ErrorContext } from './errors.js';
import { RetryableError, isTransientNetworkError, type RetryPolicy } from './retry.js';

/**
 * One HTTP exchange with a registry: the scheme rule (http only for loopback and insecure
 * registries, as Docker decides), the bearer-token dance on 401, manual redirects that
 * never carry our Authorization to another host, and the mapping of failures (5xx become
 * retryable; the rest become the user-facing MiniboxError).
 */
export interface SendRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  url: string;
  scopes: string[];
  ctx: ErrorContext;
  headers?: Record<string, string>;
  body?: Buffer;
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
export function isLoopbackHost(host: string): boolean {
  const hostname = new URL(`http://${host}`).hostname;
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export interface TransportOptions {
  host: string;
  insecure: boolean;
  insecureRegistries: string[];
  credentials?: Credentials;
  fetchImpl?: FetchImpl;
  retry: RetryPolicy;
}

export class Transport {
  readonly base: URL;
  readonly auth: Authenticator;
  private readonly fetchImpl: FetchImpl;
  private readonly insecureHosts: Set<string>;

  constructor(opts: TransportOptions) {
    this.fetchImpl = opts.fetchImpl ?? fetch;
    const host = apiHost(opts.host);
    this.insecureHosts = new Set(opts.insecureRegistries);
    if (opts.insecure) this.insecureHosts.add(host);
    this.base = new URL(`${this.allowHttp(host) ? 'http' : 'https'}://${host}`);
    this.auth = new Authenticator({
      fetchImpl: (url, init) => this.fetchImpl(url, { ...init, headers: { 'User-Agent': USER_AGENT, ...init.headers } }),
      credentials: opts.credentials,
      allowHttp: (h) => this.allowHttp(h),
    });
  }

  allowHttp(host: string): boolean {
    const hostname = new URL(`http://${host}`).hostname;
    return isLoopbackHost(host) || this.insecureHosts.has(host) || this.insecureHosts.has(hostname);
  }

  url(path: string): string {
    return new URL(path, this.base).href;
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
      return await this.fetchImpl(url, { method: req.method, headers, body: req.body, redirect: 'manual' });
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
