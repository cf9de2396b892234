import type { RequestInit, Response } from 'node-fetch';
import { MiniboxError, describe } from '../util/errors.js';
import { findChallenge, type Challenge } from './challenge.js';
import type { Credentials } from './credentials.js';
import { parseTokenResponse } from './types.js';

/**
 * Registry authentication as the distribution token spec describes it: the registry's 401
 * names a token server (`realm`) and `service`; we ask that server for a bearer token for
 * the scopes we need, anonymously or with HTTP Basic, and cache it per scope set until it
 * expires. Registries that challenge with Basic get the credentials directly.
 */
export type FetchImpl = (url: string, init: RequestInit) => Promise<Response>;

export interface AuthOptions {
  fetchImpl: FetchImpl;
  credentials?: Credentials;
  /** Whether plain http to this host is acceptable (loopback or an insecure registry). */
  allowHttp: (host: string) => boolean;
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Renew a little early so a token never expires between our check and the registry's. */
const EXPIRY_MARGIN_MS = 5_000;

export class Authenticator {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly now: () => number;
  /** How many token requests were made; lets tests prove the cache works. */
  tokenRequests = 0;

  constructor(private readonly opts: AuthOptions) {
    this.now = opts.now ?? (() => Date.now());
  }

  get anonymous(): boolean {
    return this.opts.credentials === undefined;
  }

  /** The Authorization header for a request needing `scopes`; undefined before any 401. */
  async header(scopes: string[], fresh = false): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') return this.basic();
    const key = this.cacheKey(ch, scopes);
    const hit = this.tokens.get(key);
    if (!fresh && hit && hit.expiresAt > this.now()) return `Bearer ${hit.token}`;
    const { token, expiresIn } = await this.fetchToken(ch, scopes);
    this.tokens.set(key, { token, expiresAt: this.now() + expiresIn * 1000 - EXPIRY_MARGIN_MS });
    return `Bearer ${token}`;
  }

  /**
   * A 401 arrived. Remember its challenge and return the scopes to retry with (ours plus any
   * the registry asked for, e.g. after `insufficient_scope`), or undefined when asking again
   * cannot help (no usable challenge, or Basic without credentials).
   */
  onUnauthorized(wwwAuthenticate: string | null, scopes: string[]): string[] | undefined {
    const ch = findChallenge(wwwAuthenticate, 'bearer') ?? findChallenge(wwwAuthenticate, 'basic');
    if (!ch) return undefined;
    this.challenge = ch;
    if (ch.scheme === 'basic') return this.opts.credentials ? scopes : undefined;
    const asked = (ch.params['scope'] ?? '').split(' ').filter((s) => s !== '');
    return [...new Set([...scopes, ...asked])];
  }

  private basic(): string | undefined {
    const c = this.opts.credentials;
    if (!c) return undefined;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  private cacheKey(ch: Challenge, scopes: string[]): string {
    return [ch.params['realm'] ?? '', ch.params['service'] ?? '', ...[...scopes].sort()].join('|');
  }

  private realmUrl(ch: Challenge): URL {
    const realm = ch.params['realm'];
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw new MiniboxError(`the registry's auth challenge has no valid realm: ${JSON.stringify(realm ?? null)}`);
    }
    // credentials must never travel in clear text except to hosts the user allowed
    const ok = url.protocol === 'https:' || (url.protocol === 'http:' && this.opts.allowHttp(url.host));
    if (!ok) throw new MiniboxError(`refusing insecure token realm ${url.href}: use https or list the host as an insecure registry`);
    return url;
  }

  private async fetchToken(ch: Challenge, scopes: string[]): Promise<{ token: string; expiresIn: number }> {
    const url = this.realmUrl(ch);
    if (ch.params['service']) url.searchParams.set('service', ch.params['service']);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    const basic = this.basic();
    if (basic) headers['Authorization'] = basic;
    this.tokenRequests++;
    const res = await this.opts.fetchImpl(url.href, { headers });
    const body = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw new MiniboxError(basic ? 'unauthorized: incorrect username or password' : 'unauthorized: authentication required');
    }
    if (!res.ok) throw new MiniboxError(`error getting a token from ${url.origin}${url.pathname}: HTTP ${res.status} ${res.statusText}`);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (err) {
      throw new MiniboxError(`invalid token response from ${url.origin}: ${describe(err)}`);
    }
    return parseTokenResponse(json);
  }
}
