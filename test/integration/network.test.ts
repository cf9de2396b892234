import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { buildImage } from '../helpers/oci-builder.js';
import { runInBackground, stopBackgrounds } from '../helpers/background.js';

/**
 * Networking like Docker's: the default bridge, published ports, links, user networks.
 * Traffic stays on this machine: 127.0.0.1 and the addresses of the bridges made here.
 */
let root: string;
let cleanup: () => void;
const mb = (args: string[], timeoutMs?: number) => minibox(args, { root, ...(timeoutMs ? { timeoutMs } : {}) });
const run = (args: string[]) => mb(['run', ...args]);

// httpd serving $MSG as /index.html on port 80 (busybox, no image changes needed)
const SERVE = ['sh', '-c', 'mkdir -p /www && echo "$MSG" > /www/index.html && exec httpd -f -p 80 -h /www'];
// GET url from inside a container, printing the body of a 200. busybox nc, not wget: Debian's
// busybox-static wget segfaults on this kernel in most tries. Retries: the server container
// may still be starting.
const fetchFrom = (url: string) => {
  const u = new URL(url);
  const get = `printf 'GET ${u.pathname} HTTP/1.0\\r\\nHost: ${u.hostname}\\r\\n\\r\\n' | nc -w 2 ${u.hostname} ${u.port || 80} 2>/dev/null`;
  const body = `printf '%s\\n' "$out" | tr -d '\\r' | sed '1,/^$/d'`;
  return ['sh', '-c', `for i in $(seq 100); do out=$(${get}) && case "$out" in "HTTP/1."?" 200 "*) ${body}; exit 0;; esac; sleep 0.1; done; exit 1`];
};

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  foreignLinks = new Set(readdirSync('/sys/class/net'));
  expect((await mb(['load', '-q', '-i', await ensureBusyboxLayout()])).code).toBe(0);
  const web = await buildImage({ name: 'docker.io/library/webimg:latest', base: 'busybox', config: { Cmd: SERVE, ExposedPorts: { '80/tcp': {}, '8081/tcp': {} } } });
  const loaded = await mb(['load', '-q', '-i', web.layoutDir]);
  rmSync(web.layoutDir, { recursive: true, force: true }); // in the store now, or the load failed: gone either way
  expect(loaded.code).toBe(0);
});

afterEach(async () => {
  await stopBackgrounds();
});

afterAll(async () => {
  await mb(['network', 'prune', '-f']);
  cleanup();
  expect(leakcheck()).toEqual([]);
});

function endpointOf(name: string): { ip: string; ports: Array<{ hostPort: number; containerPort: number }> } {
  // network state is host-wide (one bridge per host), so pick this file's containers by dir
  const dir = path.join(process.env.MINIBOX_NETWORK_STATE ?? '/run/minibox/network', 'endpoints');
  for (const f of readdirSync(dir)) {
    const ep = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    if (ep.name === name && ep.dir.startsWith(root)) return { ip: ep.endpoints[0].ip, ports: ep.ports };
  }
  throw new Error(`no endpoint for ${name}`);
}

async function httpGet(port: number): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/index.html', timeout: 1000 }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function containerCount(): number {
  const dir = path.join(root, 'containers');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

let foreignLinks = new Set<string>(); // left by something else on this host before this file ran

function ourLinks(): string[] {
  return readdirSync('/sys/class/net').filter((l) => (l.startsWith('mbx') || l.startsWith('minibox')) && !foreignLinks.has(l));
}

describe('interfaces and /etc files', () => {
  it('--network none has only lo', async () => {
    const r = await run(['--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']);
    expect(r).toMatchObject({ code: 0, stdout: 'lo\n' });
  });

  it('the default bridge gives eth0, a default route and Docker-like /etc files', async () => {
    const script = 'ip -o -4 addr show eth0; ip route; echo ---; cat /etc/hostname /etc/hosts /etc/resolv.conf';
    const r = await run(['--rm', '--hostname', 'box1', '--add-host', 'db.local:10.1.2.3', '--dns', '10.9.9.9', 'busybox', 'sh', '-c', script]);
    expect(r.stderr).toBe('');
    const [ipInfo = '', files = ''] = r.stdout.split('---\n');
    const ip = /inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(ipInfo);
    expect(ip).not.toBeNull();
    const gw = /default via (\S+) dev eth0/.exec(ipInfo)?.[1];
    expect(gw?.split('.').slice(0, 2)).toEqual(ip?.[1]?.split('.').slice(0, 2));
    expect(files).toMatch(/^box1\n127\.0\.0\.1\tlocalhost\n/);
    expect(files).toContain('10.1.2.3\tdb.local\n');
    expect(files).toContain(`${ip?.[1]}\tbox1\n`);
    expect(files).toContain('nameserver 10.9.9.9\n');
    expect(ourLinks()).toEqual([]); // the last container gone: bridge removed too
  });
});

describe('containers reach each other', () => {
  it('by IP on the default bridge', async () => {
    const srv = runInBackground(root, 'srv-ip', ['-e', 'MSG=by-ip', 'busybox', ...SERVE]);
    await srv.running();
    const r = await run(['--rm', 'busybox', ...fetchFrom(`http://${endpointOf('srv-ip').ip}/index.html`)]);
    expect(r).toMatchObject({ code: 0, stdout: 'by-ip\n' });
  });

  it('by link alias, with the legacy link variables', async () => {
    const srv = runInBackground(root, 'srv-link', ['-e', 'MSG=by-link', 'webimg']);
    await srv.running();
    const ip = endpointOf('srv-link').ip;
    const r = await run(['--rm', '--link', 'srv-link:db', 'busybox', 'sh', '-c', `echo $DB_PORT_80_TCP_ADDR $DB_PORT_80_TCP_PORT $DB_ENV_MSG; ${fetchFrom('http://db/index.html')[2]}`]);
    expect(r).toMatchObject({ code: 0, stdout: `${ip} 80 by-link\nby-link\n` });
  });

  it('by name and alias on a user-defined network', async () => {
    expect((await mb(['network', 'create', 'mbtestnet'])).code).toBe(0);
    try {
      const srv = runInBackground(root, 'srv-name', ['--network', 'mbtestnet', '--network-alias', 'web', '-e', 'MSG=by-name', 'busybox', ...SERVE]);
      await srv.running();
      const r = await run(['--rm', '--network', 'mbtestnet', 'busybox', 'sh', '-c', `(${fetchFrom('http://srv-name/index.html')[2]}) && (${fetchFrom('http://web/index.html')[2]})`]);
      expect(r).toMatchObject({ code: 0, stdout: 'by-name\nby-name\n' });
      const inspect = JSON.parse((await mb(['network', 'inspect', 'mbtestnet'])).stdout);
      expect(Object.values(inspect[0].Containers)).toHaveLength(1);
    } finally {
      await stopBackgrounds();
      expect((await mb(['network', 'rm', 'mbtestnet'])).code).toBe(0);
    }
  });
});

describe('published ports', () => {
  it('answer on 127.0.0.1, and `port` shows them', async () => {
    const port = await freePort();
    const srv = runInBackground(root, 'pub', ['-p', `${port}:80`, '-e', 'MSG=published', 'busybox', ...SERVE]);
    await srv.running();
    expect(await httpGet(port)).toBe('published\n');
    expect((await mb(['port', 'pub'])).stdout).toBe(`80/tcp -> 0.0.0.0:${port}\n`);
    expect((await mb(['port', 'pub', '80'])).stdout).toBe(`0.0.0.0:${port}\n`);
    expect((await mb(['ps', '--format', '{{.Names}} {{.Ports}}', '-f', 'name=pub'])).stdout).toBe(`pub 0.0.0.0:${port}->80/tcp\n`);
    const [view] = JSON.parse((await mb(['inspect', 'pub'])).stdout);
    expect(view.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(port) }] });
    expect(view.NetworkSettings.IPAddress).toBe(endpointOf('pub').ip);
  });

  it('are removed at stop and made again at start (detached)', async () => {
    const port = await freePort();
    const r = await run(['-d', '--name', 'again', '-p', `${port}:80`, '-e', 'MSG=again', 'busybox', ...SERVE]);
    expect(r.code).toBe(0);
    expect(await httpGet(port)).toBe('again\n');
    expect((await mb(['stop', '-t', '1', 'again'])).code).toBe(0);
    expect((await mb(['port', 'again'])).stdout).toBe('');
    expect(ourLinks()).toEqual([]);
    expect((await mb(['start', 'again'])).code).toBe(0);
    expect(await httpGet(port)).toBe('again\n');
    expect((await mb(['rm', '-f', 'again'])).code).toBe(0);
  });

  it('-P publishes the image ExposedPorts on free host ports', async () => {
    const srv = runInBackground(root, 'pall', ['-P', '-e', 'MSG=all', 'webimg']);
    await srv.running();
    const lines = (await mb(['port', 'pall'])).stdout.trim().split('\n').sort();
    expect(lines).toHaveLength(2);
    const hostPorts = lines.map((l) => Number(/:(\d+)$/.exec(l)?.[1]));
    expect(new Set(hostPorts).size).toBe(2);
    for (const p of hostPorts) expect(p).toBeGreaterThanOrEqual(32768);
    expect(lines[0]).toMatch(/^80\/tcp -> 0\.0\.0\.0:\d+$/);
    expect(await httpGet(hostPorts[0] ?? 0)).toBe('all\n');
  });

  it('a port in use gives a clear error and leaves no container, veth or rule', async () => {
    const port = await freePort();
    const holder = net.createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const before = containerCount();
      const r = await run(['-p', `${port}:80`, 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(new RegExp(`^minibox: driver failed programming external connectivity on endpoint \\S+ \\(\\w+\\): failed to bind port 0\\.0\\.0\\.0:${port}/tcp: .*address already in use\\n$`));
      expect(containerCount()).toBe(before);
      expect(ourLinks()).toEqual([]);
      expect(leakcheck().filter((l) => l.startsWith('iptables'))).toEqual([]);
    } finally {
      holder.close();
    }
  });

  it('a port published by another container is "already allocated"', async () => {
    const port = await freePort();
    const srv = runInBackground(root, 'owner', ['-p', `${port}:80`, 'busybox', ...SERVE]);
    await srv.running();
    const before = containerCount();
    const r = await run(['--rm', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated\\n$`));
    expect(containerCount()).toBe(before);
  });
});

describe('many at once', () => {
  it('50 containers started concurrently get unique addresses', async () => {
    // all alive at once (a finished container's address is free again, rightly)
    const bgs = Array.from({ length: 50 }, (_, i) => runInBackground(root, `many${i}`, ['busybox', 'sh', '-c', 'ip -o -4 addr show eth0; exec sleep 60']));
    await Promise.all(bgs.map((b) => b.running()));
    const recorded = bgs.map((_, i) => endpointOf(`many${i}`).ip);
    expect(new Set(recorded).size).toBe(50);
    await stopBackgrounds();
    const seen = (await Promise.all(bgs.map((b) => b.done))).map((r) => /inet (\S+)\//.exec(r.stdout)?.[1]);
    expect(seen).toEqual(recorded);
    expect(ourLinks()).toEqual([]);
  }, 180_000);
});

describe('bad input: Docker wording, exit 125, nothing left behind', () => {
  it.each([
    [['--network', 'nope'], 'minibox: network nope not found\n'],
    [['-p', '99999:80'], 'minibox: invalid hostPort: 99999\n'],
    [['-p', 'abc'], 'minibox: invalid containerPort: abc\n'],
    [['-p', '80/sctp'], 'minibox: invalid proto: sctp\n'],
    [['--link', 'missing:db'], 'minibox: could not get container for missing: No such container: missing\n'],
  ])('%j', async (flags, message) => {
    const before = containerCount();
    const r = await run([...flags, 'busybox', 'true']);
    expect(r).toMatchObject({ code: 125, stderr: message, stdout: '' });
    expect(containerCount()).toBe(before);
    expect(ourLinks()).toEqual([]);
  });
});
