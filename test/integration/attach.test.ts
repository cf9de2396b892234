import { expect, it } from 'vitest';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { MINIBOX_BIN, REPO, minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { waitFor } from '../helpers/wait.js';
import { parseDetachKeys } from '../../src/engine/attach.js';

/**
 * attach: the detached monitor's live output, stdin and detach keys (native-shim/src/monitor/
 * attach.h, exec/attach_client.h), through pipes as a script would, and through a real pty
 * (test/helpers/pty-drive.py) as a user at a terminal.
 */
let root: string;
useBusyboxRoot((r) => (root = r));
const mb = (...args: string[]) => minibox(args, { root });

interface Attached {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  status: Promise<number>;
}

/** `minibox attach ARGS` with pipes, its output collected as it comes. */
function attach(...args: string[]): Attached {
  const child = spawn(process.execPath, ['--', MINIBOX_BIN, 'attach', ...args], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.on('error', () => {}); // EPIPE: --no-stdin, or the client already gone
  const status = new Promise<number>((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : -1))));
  return { child, out: () => out, err: () => err, status };
}

async function inPty(steps: unknown[], args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', [path.join(REPO, 'test', 'helpers', 'pty-drive.py'), JSON.stringify(steps), '--', process.execPath, MINIBOX_BIN, ...args], {
    env: { ...process.env, MINIBOX_ROOT: root },
    timeout: 30_000,
  });
  return stdout;
}

// ticks until /go exists: an attach that sees a tick is attached; what follows is live
const TICKING = 'echo early; while [ ! -f /go ]; do echo tick; sleep 0.1; done';

it('shows the live output of a detached container, stdout and stderr apart, not its history', async () => {
  expect((await mb('run', '-d', '--name', 'live', 'busybox', 'sh', '-c', `${TICKING}; echo late-out; echo late-err >&2; sleep 30`)).code).toBe(0);
  await waitFor(async () => (await mb('logs', 'live')).stdout.includes('early'), { what: 'the early line' });
  const a = attach('live');
  try {
    await waitFor(() => a.out().includes('tick'), { what: 'a live tick' });
    expect((await mb('exec', 'live', 'touch', '/go')).code).toBe(0);
    await waitFor(() => a.out().includes('late-out\n') && a.err().includes('late-err\n'), { what: 'the late lines' });
    expect(a.out()).not.toContain('early'); // attach is not logs: no history
    expect(a.out()).not.toContain('late-err');
    expect((await mb('logs', 'live')).stdout).toContain('late-out'); // the log still gets it all
  } finally {
    await mb('rm', '-f', 'live'); // the client ends with its monitor
    await a.status;
  }
});

it("exits with the container's exit code when it exits while attached", async () => {
  const id = (await mb('run', '-d', '--name', 'ends', 'busybox', 'sh', '-c', `${TICKING}; echo bye; exit 3`)).stdout.trim();
  const a = attach('ends');
  await waitFor(() => a.out().includes('tick'), { what: 'a live tick' });
  expect((await mb('exec', 'ends', 'touch', '/go')).code).toBe(0);
  expect(await a.status).toBe(3);
  expect(a.out()).toMatch(/bye\n$/);
  expect((await mb('ps', '-a', '--format', '{{.Status}}')).stdout).toMatch(/^Exited \(3\)/);
  // the monitor took its socket with it
  await waitFor(() => !existsSync(path.join(root, 'containers', id, 'attach.sock')), { what: 'attach.sock removed' });
});

it("--detach-keys in Docker's format", () => {
  expect(parseDetachKeys('ctrl-p,ctrl-q')).toEqual([16, 17]);
  expect(parseDetachKeys('ctrl-x,x')).toEqual([24, 120]);
  expect(parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-_,DEL,a')).toEqual([0, 27, 28, 31, 127, 97]);
  for (const bad of ['ctrl-P', 'ctrl-', 'x,', 'ab', 'ctrl-1', 'é']) expect(() => parseDetachKeys(bad)).toThrow(`invalid detach keys (${bad}): Unknown character: '`);
});

it('cannot attach to a stopped container', async () => {
  await mb('run', '-d', '--name', 'done', 'busybox', 'true');
  expect((await mb('wait', 'done')).stdout.trim()).toBe('0');
  const r = await mb('attach', 'done');
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe('minibox: You cannot attach to a stopped container, start it first');
  const bad = await mb('attach', '--detach-keys', 'ctrl-P', 'done');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("invalid detach keys (ctrl-P): Unknown character: 'ctrl-P'");
});

it('a tty container takes input only from a terminal; --no-stdin watches it through pipes', async () => {
  await mb('run', '-dt', '--name', 'ttyout', 'busybox', 'sh', '-c', TICKING);
  const r = await mb('attach', 'ttyout');
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe('minibox: the input device is not a TTY'); // Docker's words
  const a = attach('--no-stdin', 'ttyout');
  await waitFor(() => a.out().includes('tick\r\n'), { what: 'a tick through the pty' });
  expect((await mb('exec', 'ttyout', 'touch', '/go')).code).toBe(0);
  expect(await a.status).toBe(0);
});

it('-di: stdin from attach goes to the container; the end of it leaves the container running', async () => {
  expect((await mb('run', '-di', '--name', 'cat', 'busybox', 'cat')).code).toBe(0);
  const a = attach('cat');
  try {
    // cat echoes what it reads: once one line came back, the client is attached
    await waitFor(() => {
      a.child.stdin.write('ping\n');
      return a.out().includes('ping\n');
    }, { what: 'the echo', interval: 200 });
    a.child.stdin.end('last line\n');
    await waitFor(() => a.out().includes('last line\n'), { what: 'the last line' });
    expect((await mb('ps', '--format', '{{.Names}} {{.Status}}')).stdout).toMatch(/^cat Up/);
  } finally {
    await mb('rm', '-f', 'cat');
    await a.status;
  }
});

it('--sig-proxy (the default without a tty) passes SIGTERM to the container; --no-stdin attaches no input', async () => {
  await mb('run', '-di', '--name', 'trap', 'busybox', 'sh', '-c', `trap 'echo got-term; exit 9' TERM; ${TICKING}`);
  const a = attach('--no-stdin', 'trap');
  await waitFor(() => a.out().includes('tick'), { what: 'a live tick' });
  a.child.stdin.end('touch /go\n'); // not read: --no-stdin
  a.child.kill('SIGTERM'); // to the CLI; it hands it to the client, which proxies it
  expect(await a.status).toBe(9);
  expect(a.out()).toContain('got-term\n');
});

it('without a tty, a Ctrl-C on the terminal reaches the container as SIGINT and the attach goes on', async () => {
  await mb('run', '-di', '--name', 'ints', 'busybox', 'sh', '-c', `n=0; trap 'n=$((n+1)); echo got-int-$n' INT; trap 'exit $n' TERM; ${TICKING}`);
  // the terminal stays cooked (no tty in the container): its Ctrl-C is a SIGINT to the CLI
  const attached = inPty([['sleep', 0.8], ['send', '\x03']], ['attach', 'ints']);
  await waitFor(async () => (await mb('logs', 'ints')).stdout.includes('got-int-1'), { what: 'the trapped SIGINT' });
  expect((await mb('kill', '-s', 'TERM', 'ints')).code).toBe(0);
  const out = await attached;
  expect(out).toContain('got-int-1');
  expect(out).not.toContain('got-int-2');
  expect(out).toMatch(/EXIT 1\n$/); // the container's status: exit $n
});

it('a client that does not read is dropped; the container and its log never wait for it', async () => {
  await mb('run', '-d', '--name', 'flood', 'busybox', 'sh', '-c', `${TICKING}; head -c 4000000 /dev/zero | tr '\\0' x; echo; echo flood-done`);
  const a = attach('flood');
  await waitFor(() => a.out().includes('tick'), { what: 'a live tick' });
  a.child.stdout.pause(); // this terminal stops reading
  expect((await mb('exec', 'flood', 'touch', '/go')).code).toBe(0);
  expect((await minibox(['wait', 'flood'], { root, timeoutMs: 60_000 })).stdout.trim()).toBe('0');
  expect((await mb('logs', '--tail', '1', 'flood')).stdout).toBe('flood-done\n');
  a.child.stdout.resume();
  expect(await a.status).toBe(1); // dropped: it never got the exit
  expect(a.err()).toContain("disconnected by the container's monitor");
}, 60_000);

it('-dit: attach on a terminal, type, detach with ctrl-p ctrl-q (still Up), attach again, custom --detach-keys', async () => {
  expect((await mb('run', '-dit', '--name', 'term', 'busybox', 'sh')).code).toBe(0);
  const first = await inPty([['sleep', 0.8], ['send', 'echo sum-$((6*7))\n'], ['send', 'tty\n'], ['resize', 31, 101], ['send', 'stty size\n'], ['send', 'echo typed-$((1+1))\n\x10\x11']], ['attach', 'term']);
  expect(first).toContain('sum-42\r\n');
  expect(first).toContain('/dev/pts/0\r\n');
  expect(first).toContain('31 101\r\n');
  expect(first).toContain('read escape sequence');
  expect(first).toMatch(/EXIT 1\n$/); // Docker's attach exits 1 after a detach
  // what was typed before the keys in the same read still went in
  await waitFor(async () => (await mb('logs', 'term')).stdout.includes('typed-2'), { what: 'the line typed with the keys' });
  expect((await mb('ps', '--format', '{{.Names}} {{.Status}}')).stdout).toMatch(/^term Up/);

  // ctrl-x then a lone x detaches; ctrl-p ctrl-q is plain input now (the shell ignores it)
  const second = await inPty([['sleep', 0.8], ['send', 'echo again-$((2+3))\n'], ['send', '\x10\x11'], ['send', 'echo still-here\n'], ['send', '\x18x']], ['attach', '--detach-keys', 'ctrl-x,x', 'term']);
  expect(second).toContain('again-5\r\n');
  expect(second).toContain('still-here\r\n');
  expect(second).toMatch(/read escape sequence\r?\n\nEXIT 1\n$/);
  expect((await mb('ps', '--format', '{{.Names}} {{.Status}}')).stdout).toMatch(/^term Up/);

  // a third time, the shell exits: attach ends with its status
  const third = await inPty([['sleep', 0.8], ['send', 'exit 4\n']], ['attach', 'term']);
  expect(third).toMatch(/EXIT 4\n$/);
  expect((await mb('ps', '-a', '--format', '{{.Names}} {{.Status}}')).stdout).toMatch(/^term Exited \(4\)/);
});
