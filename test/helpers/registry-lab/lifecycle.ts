import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Shared plumbing of the registry lab: free loopback ports, servers on 127.0.0.1, and a
 * last-resort cleanup when the test process exits without running afterAll (a crash or a
 * timeout), so no registry process or temp dir outlives the run.
 */
const onExit = new Set<() => void>();
let hooked = false;

/** Register synchronous cleanup for process exit; returns the function that unregisters it. */
export function cleanupOnExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const f of onExit) {
        try {
          f();
        } catch {
          // best effort: the process is going away
        }
      }
    });
  }
  onExit.add(fn);
  return () => onExit.delete(fn);
}

export function removeDirOnExit(dir: string): () => void {
  return cleanupOnExit(() => rmSync(dir, { recursive: true, force: true }));
}

/** A port nobody listens on right now (the caller retries if it gets taken meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface LoopbackServer {
  server: http.Server;
  host: string; // 127.0.0.1:<port>
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 at an ephemeral port; close() also drops kept-alive sockets. */
export async function listenLoopback(handler: http.RequestListener): Promise<LoopbackServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const unhook = cleanupOnExit(() => server.closeAllConnections());
  return {
    server,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        unhook();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Replay a request against `targetHost` and buffer the answer (lab blobs are small). */
export async function forward(req: http.IncomingMessage, targetHost: string, headers = req.headers): Promise<Upstream> {
  const body = await readBody(req);
  const [hostname, port] = targetHost.split(':');
  return new Promise((resolve, reject) => {
    const up = http.request(
      { hostname, port: Number(port), method: req.method, path: req.url, headers: { ...headers, host: targetHost } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    up.on('error', reject);
    up.end(body);
  });
}

/** Send a buffered upstream answer on unchanged (but with our own framing headers). */
export function reply(res: http.ServerResponse, up: Upstream, body = up.body): void {
  const headers = { ...up.headers };
  delete headers['transfer-encoding'];
  delete headers['connection'];
  // a HEAD answer has no body but keeps the upstream's length
  if (body.length > 0 || up.headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  res.writeHead(up.status, headers);
  res.end(body);
}
