import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { REPO, makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #15 item 5: service names on a compose project's network resolve for containers
 * that start later and after every kind of restart. The lecture-shaped project of
 * test/fixtures/compose-names: users-service (busybox httpd, published on a free port)
 * answers /cgi-bin/fetch?NAME with what NAME:3306 sent it, NAME defaulting to its
 * $DATABASE_HOST=db; db (restart: always, alias `database`) and `later` answer with their
 * $ANSWER. Two projects from the same file (TAG a and b) must not see each other's names.
 */
const FILE = path.join(REPO, 'test', 'fixtures', 'compose-names', 'docker-compose.yml');

let root = '';
let cleanup = () => {};
const ports = { a: 0, b: 0 };
const project = (tag: 'a' | 'b') => (tag === 'a' ? 'names' : 'names-b');
const compose = (tag: 'a' | 'b', args: string[]) =>
  minibox(['compose', '-f', FILE, '-p', project(tag), ...args], { root, env: { USERS_PORT: String(ports[tag]), TAG: tag }, timeoutMs: 120_000 });
const mb = (args: string[]) => minibox(args, { root });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** What users-service of project `tag` fetched from `name` (its $DATABASE_HOST when empty). */
function fetchVia(tag: 'a' | 'b', name = ''): Promise<string | undefined> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port: ports[tag], path: `/cgi-bin/fetch${name ? `?${name}` : ''}`, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : undefined));
      })
      .on('error', () => resolve(undefined))
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy();
      });
  });
}

/** Poll until users-service of `tag` gets `want` from `name`; returns the last answer on time-out for the assertion. */
async function answerOf(tag: 'a' | 'b', name: string, want: string): Promise<string | undefined> {
  let last: string | undefined;
  try {
    await waitFor(async () => (last = await fetchVia(tag, name)) === want, { timeout: 30_000, interval: 200, what: `${name || 'DATABASE_HOST'} to answer ${want}` });
  } catch {
    // the expect() of the caller shows what came instead
  }
  return last;
}

async function inspect(ref: string, format: string): Promise<string> {
  const r = await mb(['inspect', '--format', format, ref]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  ports.a = await freePort();
  ports.b = await freePort();
  expect((await mb(['load', '-q', '-i', await ensureBusyboxLayout()])).code).toBe(0);
  for (const tag of ['a', 'b'] as const) {
    const b = await compose(tag, ['build']);
    expect(b.stderr + b.stdout).not.toMatch(/error/i);
    expect(b.code).toBe(0);
  }
  const up = await compose('a', ['up', '-d', 'users-service']); // and db, its dependency
  expect(up.stderr).not.toMatch(/error/i);
  expect(up.code).toBe(0);
}, 300_000);

afterAll(async () => {
  for (const tag of ['a', 'b'] as const) await compose(tag, ['down', '-v', '--remove-orphans']);
  cleanup();
  expect(leakcheck()).toEqual([]);
}, 120_000);

describe('compose: names on the project network', () => {
  it('the service name, its alias and the container name resolve', async () => {
    expect(await answerOf('a', '', 'db-a')).toBe('db-a'); // DATABASE_HOST=db
    expect(await answerOf('a', 'database', 'db-a')).toBe('db-a');
    expect(await answerOf('a', 'names-db-1', 'db-a')).toBe('db-a');
    expect(await answerOf('a', 'nosuchservice', 'unresolved')).toBe('unresolved');
  }, 120_000);

  it('a service started later resolves from one started earlier', async () => {
    expect(await fetchVia('a', 'later')).toBe('unresolved');
    expect((await compose('a', ['up', '-d', 'later'])).code).toBe(0);
    expect(await answerOf('a', 'later', 'later-a')).toBe('later-a');
  }, 120_000);

  it('db restarted by `compose restart` is reachable again by name', async () => {
    const before = await inspect('names-db-1', '{{.State.Pid}}');
    expect((await compose('a', ['restart', 'db'])).code).toBe(0);
    expect(await inspect('names-db-1', '{{.State.Pid}}')).not.toBe(before);
    expect(await answerOf('a', '', 'db-a')).toBe('db-a');
  }, 120_000);

  // After `stop`, the address db gave back is taken again by its `start`, with a new veth: its
  // MAC comes from the address (Docker's 02:42:<ip>), so users-service's ARP entry for it stays
  // right (with a random MAC it went on sending to the old one for > 30 s).
  it('db stopped no longer answers by name, and answers again once started', async () => {
    const ip = (await inspect('names-db-1', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')).trim();
    const mac = `02:42:${ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join(':')}`;
    expect((await mb(['exec', 'names-db-1', 'cat', '/sys/class/net/eth0/address'])).stdout.trim()).toBe(mac);
    expect((await mb(['stop', 'names-db-1'])).code).toBe(0);
    expect(await answerOf('a', '', 'unresolved')).toBe('unresolved');
    expect((await mb(['start', 'names-db-1'])).code).toBe(0);
    expect(await answerOf('a', '', 'db-a')).toBe('db-a');
    expect(await answerOf('a', 'database', 'db-a')).toBe('db-a');
  }, 120_000);

  it('db killed and brought back by `restart: always` in the monitor is reachable again by name', async () => {
    const pid = Number(await inspect('names-db-1', '{{.State.Pid}}'));
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL'); // from outside: `minibox kill` would mark it stopped
    await waitFor(async () => {
      const now = Number(await inspect('names-db-1', '{{.State.Pid}}'));
      return now > 0 && now !== pid;
    }, { timeout: 30_000, what: 'the monitor to start db again' });
    expect(await inspect('names-db-1', '{{.State.Status}}')).toBe('running');
    expect(await answerOf('a', '', 'db-a')).toBe('db-a');
  }, 120_000);

  it('db recreated by `up --force-recreate` (a new container) resolves to the new one', async () => {
    const before = await inspect('names-db-1', '{{.Id}}');
    expect((await compose('a', ['up', '-d', '--force-recreate', 'db'])).code).toBe(0);
    expect(await inspect('names-db-1', '{{.Id}}')).not.toBe(before);
    expect(await answerOf('a', '', 'db-a')).toBe('db-a');
    expect(await answerOf('a', 'database', 'db-a')).toBe('db-a');
  }, 120_000);

  it('two projects with the same service names see only their own', async () => {
    const up = await compose('b', ['up', '-d', 'users-service']);
    expect(up.stderr).not.toMatch(/error/i);
    expect(up.code).toBe(0);
    expect(await answerOf('b', '', 'db-b')).toBe('db-b');
    expect(await answerOf('a', '', 'db-a')).toBe('db-a');
    expect(await answerOf('a', 'names-b-db-1', 'unresolved')).toBe('unresolved');
    expect(await answerOf('b', 'later', 'unresolved')).toBe('unresolved'); // only project a has one
  }, 180_000);

  it('a removed service stops resolving', async () => {
    expect(await answerOf('a', 'later', 'later-a')).toBe('later-a');
    expect((await compose('a', ['rm', '-s', '-f', 'later'])).code).toBe(0);
    expect(await answerOf('a', 'later', 'unresolved')).toBe('unresolved');
  }, 120_000);
});
