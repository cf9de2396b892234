import type http from 'node:http';
import { forward, listenLoopback, reply, type Upstream } from './lifecycle.js';

/**
 * A loopback proxy in front of the lab registry that spoils chosen answers: a status
 * instead of the real one (500s, 429 with Retry-After), a connection reset after some body
 * bytes, or flipped bytes in the body. Faults apply only to answers the registry gave as
 * 2xx, so the auth dance (401 → token → retry) is never what gets spoilt. Upload
 * Locations the registry makes absolute (its own host) are pointed back at the proxy, so a
 * push's PATCH and PUT requests pass through it too.
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  | { kind: 'reset'; afterBytes: number }
  | { kind: 'corrupt' };

export interface FaultRule {
  /** Matched against `METHOD /path` (no query), e.g. /^GET \/v2\/.+\/blobs\//. */
  match: RegExp;
  fault: Fault;
  /** How many matching answers to spoil; unlimited when absent. */
  times?: number;
}

export interface ProxyRecord {
  method: string;
  path: string;
  query: string; // '' or '?…'
  range?: string;
  contentRange?: string; // a chunked upload's PATCH
  status: number;
  fault?: Fault['kind'];
}

export interface FaultProxy {
  host: string;
  requests: ProxyRecord[];
  stop(): Promise<void>;
}

function applyFault(res: http.ServerResponse, up: Upstream, fault: Fault): number {
  switch (fault.kind) {
    case 'status': {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
      const body = fault.body ?? '';
      res.writeHead(fault.status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
      return fault.status;
    }
    case 'reset': {
      // announce the full length, send part of it, then kill the socket mid-body
      const headers = { ...up.headers, 'content-length': String(up.body.length) };
      delete headers['transfer-encoding'];
      res.writeHead(up.status, headers);
      res.write(up.body.subarray(0, fault.afterBytes), () => setTimeout(() => res.socket?.destroy(), 20));
      return up.status;
    }
    case 'corrupt': {
      const body = Buffer.from(up.body);
      const i = Math.floor(body.length / 2);
      body[i] = (body[i] ?? 0) ^ 0xff;
      reply(res, up, body);
      return up.status;
    }
  }
}

export async function startFaultProxy(targetHost: string, plan: FaultRule[]): Promise<FaultProxy> {
  const requests: ProxyRecord[] = [];
  const left = plan.map((r) => r.times ?? Infinity);
  let self = '';
  const srv = await listenLoopback((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const query = (req.url ?? '').slice(path.length);
    const line = `${req.method ?? ''} ${path}`;
    const range = req.headers.range;
    const cr = req.headers['content-range'];
    const contentRange = typeof cr === 'string' ? cr : undefined;
    forward(req, targetHost)
      .then((up) => {
        const location = up.headers.location;
        if (typeof location === 'string' && location.startsWith(`http://${targetHost}/`)) up.headers.location = `http://${self}/${location.slice(`http://${targetHost}/`.length)}`;
        const i = up.status >= 200 && up.status < 300 ? plan.findIndex((r, k) => r.match.test(line) && (left[k] ?? 0) > 0) : -1;
        const rule = plan[i];
        if (!rule) {
          requests.push({ method: req.method ?? '', path, query, range, contentRange, status: up.status });
          return reply(res, up);
        }
        left[i] = (left[i] ?? 0) - 1;
        const status = applyFault(res, up, rule.fault);
        requests.push({ method: req.method ?? '', path, query, range, contentRange, status, fault: rule.fault.kind });
      })
      .catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
  self = srv.host;
  return { host: srv.host, requests, stop: srv.close };
}
