import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { REPO, makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { removeAll } from '../helpers/detached.js';
import { DEBIAN_APACHE_BUILD_TIMEOUT_MS, loadDebianApache } from '../helpers/debian-apache.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The lecture's image workflow, end to end: its apache Dockerfile (images/debian-apache/lecture,
 * adapted so that its RUN needs no network: the base already has apache2, from Debian's
 * packages) built with `minibox build -t gateway-service-1`, run detached with a published
 * port, and the host's HTTP client gets the ADDed index.html back from apache2.
 */
const CONTEXT = path.join(REPO, 'images', 'debian-apache', 'lecture');
const INDEX = readFileSync(path.join(CONTEXT, 'index.html'), 'utf8');

let root = '';
let cleanup = () => {};
let built: Result; // `minibox build -t gateway-service-1 CONTEXT`, once for the file
const mb = (args: string[], timeoutMs = 60_000) => minibox(args, { root, timeoutMs });

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  await loadDebianApache(root);
  built = await mb(['build', '-t', 'gateway-service-1', CONTEXT], 300_000);
}, DEBIAN_APACHE_BUILD_TIMEOUT_MS + 420_000);

afterEach(async () => removeAll(root));

afterAll(() => {
  cleanup();
  expect(leakcheck()).toEqual([]);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

interface Response {
  status: number;
  server: string;
  body: string;
}

function get(port: number, urlPath: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, server: String(res.headers.server ?? ''), body }));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('timeout'));
      })
      .on('error', reject);
  });
}

/** The first answer once apache2 listens (connections are refused or reset until then). */
const firstAnswer = (port: number, urlPath: string) =>
  waitFor(() => get(port, urlPath).catch(() => undefined), { timeout: 30_000, interval: 50, what: `apache2 on 127.0.0.1:${port}` });

describe('the lecture: docker build, then docker run -p of the image', () => {
  it('builds gateway-service-1 from the Dockerfile, Docker-style', async () => {
    const r = built;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Step 1/12 : FROM debian-apache:bookworm\n');
    expect(r.stdout).toContain('Step 3/12 : RUN mkdir -p /var/run/apache2');
    expect(r.stdout).toContain('Step 10/12 : ADD ./index.html /var/www/html/\n');
    expect(r.stdout).toMatch(/Successfully built [0-9a-f]{12}\n/);
    expect(r.stdout).toMatch(/Successfully tagged gateway-service-1:latest\n$/);
    expect((await mb(['images'])).stdout).toMatch(/^gateway-service-1\s+latest\s+[0-9a-f]{12}\s/m);
    // MAINTAINER as Docker stores it, the ENVs after the base's PATH, EXPOSE, the exec-form CMD
    const inspect = await mb(['image', 'inspect', 'gateway-service-1']);
    expect(inspect.code).toBe(0);
    const [image] = JSON.parse(inspect.stdout) as Array<{ Author: string; Config: { Env: string[]; Cmd: string[]; ExposedPorts: object } }>;
    expect(image!.Author).toBe('Kimbro Staken version: 0.1');
    expect(image!.Config.Env.slice(0, 4)).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'APACHE_RUN_USER=www-data',
      'APACHE_RUN_GROUP=www-data',
      'APACHE_LOG_DIR=/var/log/apache2',
    ]);
    expect(image!.Config.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(image!.Config.Cmd).toEqual(['/usr/sbin/apache2', '-D', 'FOREGROUND']);
    // the intermediate RUN container is gone
    expect((await mb(['ps', '-aq'])).stdout).toBe('');
  });

  it('run -d -p 127.0.0.1:PORT:80 serves the ADDed index.html from apache2', async () => {
    const port = await freePort();
    const r = await mb(['run', '-d', '-p', `127.0.0.1:${port}:80`, 'gateway-service-1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    const index = await firstAnswer(port, '/index.html');
    expect(index).toEqual({ status: 200, server: expect.stringMatching(/^Apache\/2\.4\.\d+ \(Debian\)$/), body: INDEX });
    expect((await get(port, '/')).body).toBe(INDEX); // DirectoryIndex: the ADDed file, not Debian's page
    // the RUN's ServerName line took effect: no AH00558 "could not reliably determine" warning
    const logs = await mb(['logs', id]);
    expect(logs.code).toBe(0);
    expect(`${logs.stdout}${logs.stderr}`).not.toContain('AH00558');
    // the CMD is apache2 itself, its workers run as the ENV'd APACHE_RUN_USER (www-data, uid
    // 33; top names users as the host knows them)
    const top = await mb(['top', id]);
    expect(top.stdout).toMatch(/^root\s.*\s\/usr\/sbin\/apache2 -D FOREGROUND$/m);
    expect(top.stdout).toMatch(/^(www-data|33)\s.*\s\/usr\/sbin\/apache2 -D FOREGROUND$/m);
  }, 60_000);

  it('EXPOSE 80 is what -P publishes', async () => {
    const r = await mb(['run', '-d', '-P', 'gateway-service-1']);
    expect(r.code).toBe(0);
    const port = await mb(['port', r.stdout.trim(), '80']);
    const m = /^0\.0\.0\.0:(\d+)$/m.exec(port.stdout);
    expect(m, port.stdout + port.stderr).not.toBeNull();
    expect((await firstAnswer(Number(m![1]), '/index.html')).body).toBe(INDEX);
  }, 60_000);
});
