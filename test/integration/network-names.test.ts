import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Names on `minibox network create` networks (issue #15 item 5): each member's /etc/hosts is
 * kept current as others join, leave, restart, connect and disconnect (network/etc-store.ts
 * says why /etc/hosts and not a DNS responder). The servers answer on port 7 with their
 * name; the client asks by name with busybox nc, which resolves through /etc/hosts.
 */
let root = '';
let cleanup = () => {};
const mb = (args: string[]) => minibox(args, { root, timeoutMs: 60_000 });
const NETS = ['mbxnames-a', 'mbxnames-b'];

// answers every connection on 7 with $ANSWER; stops at once on TERM
const SERVER = ['sh', '-c', 'printf "#!/bin/sh\\necho \\$ANSWER\\n" > /answer && chmod +x /answer && trap "exit 0" TERM; nc -ll -p 7 -e /answer & wait'];
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; sleep 600 & wait'];

async function server(name: string, net: string, extra: string[] = []): Promise<void> {
  const r = await mb(['run', '-d', '--name', name, '--network', net, '-e', `ANSWER=${name}`, ...extra, 'busybox', ...SERVER]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** What `name`:7 answers from inside container `from` ("unresolved" when nothing does). */
async function ask(from: string, name: string): Promise<string> {
  const r = await mb(['exec', from, 'sh', '-c', `nc -w 2 ${name} 7 </dev/null 2>/dev/null || echo unresolved`]);
  return r.stdout.trim();
}

async function answerOf(from: string, name: string, want: string): Promise<string> {
  let last = '';
  await waitFor(async () => (last = await ask(from, name)) === want, { timeout: 20_000, interval: 100, what: `${name} to answer ${want} from ${from}` }).catch(() => undefined);
  return last;
}

const hostsOf = async (name: string) => (await mb(['exec', name, 'cat', '/etc/hosts'])).stdout;

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await mb(['load', '-q', '-i', await ensureBusyboxLayout()])).code).toBe(0);
  for (const n of NETS) expect((await mb(['network', 'create', n])).code).toBe(0);
}, 120_000);

afterEach(async () => {
  const ids = (await mb(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await mb(['rm', '-f', ...ids]);
});

afterAll(async () => {
  for (const n of NETS) await mb(['network', 'rm', n]);
  cleanup();
  expect(leakcheck()).toEqual([]);
}, 60_000);

describe('names on user networks', () => {
  it('a container started later is found by name and alias from one started earlier', async () => {
    expect((await mb(['run', '-d', '--name', 'client', '--network', NETS[0] ?? '', 'busybox', ...IDLE])).code).toBe(0);
    expect(await ask('client', 'srv')).toBe('unresolved');
    await server('srv', NETS[0] ?? '', ['--network-alias', 'web']);
    expect(await answerOf('client', 'srv', 'srv')).toBe('srv');
    expect(await answerOf('client', 'web', 'srv')).toBe('srv');
  }, 120_000);

  it('a restarted container is found again; a removed one no longer', async () => {
    await server('srv', NETS[0] ?? '');
    expect((await mb(['run', '-d', '--name', 'client', '--network', NETS[0] ?? '', 'busybox', ...IDLE])).code).toBe(0);
    expect(await answerOf('client', 'srv', 'srv')).toBe('srv');
    // another member takes srv's address while srv is stopped: srv comes back on a new one
    expect((await mb(['stop', 'srv'])).code).toBe(0);
    await server('squatter', NETS[0] ?? '');
    expect((await mb(['start', 'srv'])).code).toBe(0);
    expect(await answerOf('client', 'srv', 'srv')).toBe('srv');
    expect((await mb(['restart', 'srv'])).code).toBe(0);
    expect(await answerOf('client', 'srv', 'srv')).toBe('srv');
    expect((await mb(['rm', '-f', 'srv'])).code).toBe(0);
    expect(await hostsOf('client')).not.toMatch(/\ssrv(\s|$)/m);
    expect(await answerOf('client', 'srv', 'unresolved')).toBe('unresolved');
  }, 120_000);

  it('networks are kept apart; connect adds the names of the other network, disconnect takes them away', async () => {
    const [a = '', b = ''] = NETS;
    await server('on-b', b);
    expect((await mb(['run', '-d', '--name', 'client', '--network', a, 'busybox', ...IDLE])).code).toBe(0);
    expect(await ask('client', 'on-b')).toBe('unresolved');
    expect((await mb(['network', 'connect', '--alias', 'joined', b, 'client'])).code).toBe(0);
    expect(await answerOf('client', 'on-b', 'on-b')).toBe('on-b');
    expect(await hostsOf('on-b')).toMatch(/\sjoined(\s|$)/m); // the alias, in the peer's view
    expect((await mb(['network', 'disconnect', b, 'client'])).code).toBe(0);
    // the client's own view loses the network it left (it was kept before issue #15)
    expect(await hostsOf('client')).not.toMatch(/\son-b(\s|$)/m);
    expect(await hostsOf('on-b')).not.toMatch(/\s(client|joined)(\s|$)/m);
    expect(await ask('client', 'on-b')).toBe('unresolved');
  }, 120_000);
});
