import type { Response } from 'node-fetch';
import { traceStep } from '../util/trace-events.js';

/**
 * `--explain` for the registry client: one line an HTTP exchange, the request line and the
 * status, with the digest the registry vouches for (Docker-Content-Digest) when it sends one:
 * `GET /v2/library/busybox/manifests/latest → 200 (sha256:…)`. Only the path is shown (a token
 * request also its host): query strings and headers may carry credentials.
 */
export function traceExchange(method: string, url: string, res: Response, concept?: string): void {
  const u = new URL(url);
  const digest = res.headers.get('docker-content-digest');
  const why = res.status === 401 ? ' (a token is needed)' : digest ? ` (${digest})` : '';
  traceStep({
    step: method,
    target: concept === 'registry-token' ? `${u.host}${u.pathname}` : u.pathname,
    result: `${res.status}${why}`,
    concept: concept ?? conceptOf(u.pathname),
  });
}

function conceptOf(pathname: string): string {
  if (pathname.includes('/manifests/')) return 'registry-manifest';
  if (pathname.includes('/blobs/')) return 'layers';
  return 'registry';
}
