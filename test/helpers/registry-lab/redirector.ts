import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { forward, listenLoopback, reply } from './lifecycle.js';

/**
 * Docker Hub's blob delivery in miniature: a front server proxies the registry API but
 * answers a successful blob GET with a 307 to a "CDN" on another port that serves the same
 * bytes from a signed-looking URL (honouring Range). Both record every request's headers,
 * so a test can prove the Authorization header stayed with the front.
 */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface Redirector {
  host: string; // the front: use it as the registry host
  cdnHost: string;
  front: SeenRequest[];
  cdn: SeenRequest[];
  stop(): Promise<void>;
}

const BLOB_PATH = /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/;

function serveRange(req: http.IncomingMessage, res: http.ServerResponse, data: Buffer): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.length - start) };
  if (m) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${data.length - 1}/${data.length}` });
  else res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : data.subarray(start));
}

export async function startRedirector(targetHost: string): Promise<Redirector> {
  const front: SeenRequest[] = [];
  const cdn: SeenRequest[] = [];
  const stored = new Map<string, Buffer>();
  const record = (list: SeenRequest[], req: http.IncomingMessage): void => {
    list.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
  };

  const cdnServer = await listenLoopback((req, res) => {
    record(cdn, req);
    const id = /^\/cdn\/([0-9a-f]+)/.exec(req.url ?? '')?.[1];
    const data = id ? stored.get(id) : undefined;
    if (!data) {
      res.writeHead(404).end();
      return;
    }
    serveRange(req, res, data);
  });

  const frontServer = await listenLoopback((req, res) => {
    record(front, req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const isBlobGet = req.method === 'GET' && BLOB_PATH.test(path);
    // fetch the blob without Range: the CDN copy must be whole whatever the client asked
    const headers = { ...req.headers };
    delete headers.range;
    forward(req, targetHost, isBlobGet ? headers : req.headers)
      .then((up) => {
        if (!isBlobGet || up.status !== 200) return reply(res, up);
        const id = randomBytes(8).toString('hex');
        stored.set(id, up.body);
        res.writeHead(307, { Location: `http://${cdnServer.host}/cdn/${id}?sig=${randomBytes(8).toString('hex')}`, 'Content-Length': '0' });
        res.end();
      })
      .catch((err: unknown) => res.writeHead(502).end(String(err)));
  });

  return {
    host: frontServer.host,
    cdnHost: cdnServer.host,
    front,
    cdn,
    stop: async () => {
      await frontServer.close();
      await cdnServer.close();
    },
  };
}
