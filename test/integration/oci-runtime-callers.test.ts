import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { waitFor } from '../helpers/wait.js';

/**
 * minibox-runtime driven by the real callers of runc's command line (issue #16 item 3):
 * Debian's podman (through conmon: create leaves the init to conmon, a subreaper, with the
 * stdio conmon gave; the pty over --console-socket) and Debian's containerd (ctr through the
 * runc v2 shim, `--runc-binary`). Each gets a private root under one temp dir, so nothing of
 * the host's podman or containerd storage is touched and nothing is left.
 */
const RUNTIME = path.join(REPO, 'bin', 'minibox-runtime');
const PTY_DRIVE = path.join(REPO, 'test', 'helpers', 'pty-drive.py');
// podman's oci: transport names the image after the path, which must be lowercase
const DIR = `/tmp/minibox-rt-callers-${process.pid}`;
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run argv with every fd above stdio closed first: the integration lock's fd must not reach
 * conmon or containerd, which outlive the command (a held lock would never be released).
 */
function sh(argv: string[], timeoutMs = 60_000): Promise<Result> {
  const closeAndExec = 'import os,sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])';
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', closeAndExec, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** argv in a real pty (test/helpers/pty-drive.py): what it printed, and its exit code. */
async function inPty(steps: unknown[], argv: string[]): Promise<{ out: string; code: number }> {
  const r = await sh(['python3', PTY_DRIVE, JSON.stringify(steps), '--', ...argv]);
  const m = /\nEXIT (-?\d+)\n$/.exec(r.stdout);
  return { out: r.stdout, code: m ? Number(m[1]) : -1 };
}

/** Mounts at or under dir (podman's and containerd's own), deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** pid's cgroup in the memory hierarchy (v1), or its v2 path: what linux.cgroupsPath made it. */
function memoryCgroupOf(pid: number): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, ctrls]) => ctrls!.split(',').includes('memory'));
  return v1 ? v1[2]! : lines.find((l) => l.startsWith('0::'))!.slice(3);
}
const memoryCgroupExists = (p: string) => existsSync(path.join(existsSync('/sys/fs/cgroup/memory') ? '/sys/fs/cgroup/memory' : '/sys/fs/cgroup', p));

async function unmountAll(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) await sh(['umount', '-l', m]);
}

// what was on the host before this file (another file's leftovers are not this file's leak)
let before: string[] = [];

beforeAll(() => {
  before = leakcheck();
  mkdirSync(DIR, { recursive: true });
});

afterAll(async () => {
  await unmountAll(DIR);
  rmSync(DIR, { recursive: true, force: true });
  expect(leakcheck().filter((l) => !before.includes(l))).toEqual([]);
});

describe('podman --runtime minibox-runtime', () => {
  const base = path.join(DIR, 'podman');
  // podman's cleanup (conmon's exit command) does not pass --runtime-flag on: the runtime
  // keeps its default root; this file's containers are found there by podman's ids
  const rtRoot = '/run/minibox-runtime';
  const hadRtRoot = existsSync(rtRoot);
  const preexisting = new Set(hadRtRoot ? readdirSync(rtRoot) : []);
  /** The containers this file left in minibox-runtime's root (under the lock: only ours are new). */
  const leftInRuntimeRoot = () => (existsSync(rtRoot) ? readdirSync(rtRoot).filter((e) => !preexisting.has(e) && !e.startsWith('.')) : []);
  const podmanArgv = (...args: string[]) => [
    'podman',
    ...['--root', path.join(base, 'root'), '--runroot', path.join(base, 'runroot'), '--tmpdir', path.join(base, 'tmp')],
    ...['--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'],
    ...['--runtime', RUNTIME],
    ...args,
  ];
  const podman = (...args: string[]) => sh(podmanArgv(...args));
  let image: string;

  beforeAll(async () => {
    mkdirSync(base, { recursive: true });
    const link = path.join(base, 'busybox-oci');
    symlinkSync(await ensureBusyboxLayout(), link);
    const r = await podman('pull', '-q', `oci:${link}`);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    image = `localhost${link}`;
  }, 120_000);

  afterAll(async () => {
    await podman('rm', '--all', '--force', '--time', '0');
    await podman('rmi', '--all', '--force');
    await unmountAll(base);
    for (const id of leftInRuntimeRoot()) await sh([process.execPath, RUNTIME, 'delete', '--force', id]);
    if (!hadRtRoot && existsSync(rtRoot) && readdirSync(rtRoot).length === 0) rmSync(rtRoot, { recursive: true });
  }, 120_000);


  it('run --rm echo hi: the output through conmon, and nothing left in the runtime root', async () => {
    const r = await podman('run', '--rm', '--network', 'none', ...ULIMITS, image, 'echo', 'hi');
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'hi\n' });
    await waitFor(() => leftInRuntimeRoot().length === 0, { what: 'podman to delete the container' });
  }, 60_000);

  it('run --uidmap/--gidmap: a user namespace, its root host uid 100000, the image copy chowned by podman', async () => {
    const r = await podman('run', '--rm', '--network', 'none', ...ULIMITS, '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536', image, 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c "%u %g" /bin/busybox; grep ^Uid /proc/self/status; touch /tmp/made && echo wrote');
    const line = '         0     100000      65536';
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: `${line}\n${line}\n0\n0 0\nUid:\t0\t0\t0\t0\nwrote\n` });
    await waitFor(() => leftInRuntimeRoot().length === 0, { what: 'podman to delete the container' });
  }, 120_000);

  it('run -d, exec (its exit code too), pause/unpause, stop, rm', async () => {
    const run = await podman('run', '-d', '--name', 'mbx-d', '--network', 'none', ...ULIMITS, image, 'sleep', '300');
    expect(run, run.stderr).toMatchObject({ code: 0 });
    const id = run.stdout.trim();
    expect((await podman('inspect', '--format', '{{.State.Status}}', 'mbx-d')).stdout.trim()).toBe('running');
    // minibox-runtime's own view of it, under the --root podman passed on
    expect(leftInRuntimeRoot()).toEqual([id]);
    // podman (cgroupfs) asks for /libpod_parent/libpod-<id>: the container is there, and it goes with rm
    const cgroupsPath = `/libpod_parent/libpod-${id}`;
    expect(memoryCgroupOf(Number((await podman('inspect', '--format', '{{.State.Pid}}', 'mbx-d')).stdout.trim()))).toBe(cgroupsPath);
    const ex = await podman('exec', 'mbx-d', 'sh', '-c', 'echo in-$((6*7)); cat /proc/1/cmdline | tr "\\0" " "');
    expect(ex, ex.stderr).toMatchObject({ code: 0, stdout: 'in-42\nsleep 300 ' });
    expect((await podman('exec', 'mbx-d', 'sh', '-c', 'exit 3')).code).toBe(3);
    expect(await podman('pause', 'mbx-d')).toMatchObject({ code: 0 });
    expect((await podman('inspect', '--format', '{{.State.Status}}', 'mbx-d')).stdout.trim()).toBe('paused');
    expect(await podman('unpause', 'mbx-d')).toMatchObject({ code: 0 });
    expect((await podman('inspect', '--format', '{{.State.Status}}', 'mbx-d')).stdout.trim()).toBe('running');
    // sleep as PID 1 ignores SIGTERM: stop ends with the KILL after its timeout
    const stop = await podman('stop', '--time', '1', 'mbx-d');
    expect(stop, stop.stderr).toMatchObject({ code: 0 });
    expect((await podman('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'mbx-d')).stdout.trim()).toBe('exited 137');
    expect(await podman('rm', 'mbx-d')).toMatchObject({ code: 0 });
    await waitFor(() => leftInRuntimeRoot().length === 0, { what: 'the container gone from the runtime root' });
    expect(memoryCgroupExists(cgroupsPath)).toBe(false);
  }, 90_000);

  it('run -it and exec -it: a pty of the container over --console-socket', async () => {
    const it1 = await inPty([['sleep', 1.5], ['send', 'tty; echo ok-$((6*7))\r'], ['send', 'exit 3\r']], podmanArgv('run', '--rm', '-it', '--network', 'none', ...ULIMITS, image, 'sh'));
    expect(it1.out).toMatch(/\/dev\/pts\/\d+\r?\nok-42/);
    expect(it1.code).toBe(3);
    const run = await podman('run', '-d', '--name', 'mbx-t', '--network', 'none', ...ULIMITS, image, 'sleep', '300');
    expect(run, run.stderr).toMatchObject({ code: 0 });
    const ex = await inPty([['sleep', 1], ['send', 'tty; exit 7\r']], podmanArgv('exec', '-it', 'mbx-t', 'sh'));
    expect(ex.out).toMatch(/\/dev\/pts\/\d+/);
    expect(ex.code).toBe(7);
    expect(await podman('rm', '--force', '--time', '0', 'mbx-t')).toMatchObject({ code: 0 });
  }, 90_000);

  it('kill: podman kill --signal reaches the container\'s process; the default KILL ends it (137); exec of a missing program is 127', async () => {
    const run = await podman('run', '-d', '--name', 'mbx-k', '--network', 'none', ...ULIMITS, image, 'sh', '-c', 'trap "exit 9" USR1; while :; do sleep 1; done');
    expect(run, run.stderr).toMatchObject({ code: 0 });
    // podman reads the runtime's exec error (its exit 255) for the wording: 127 for a program not found
    const missing = await podman('exec', 'mbx-k', 'no-such-program');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/executable file not found/);
    expect(await podman('kill', '--signal', 'USR1', 'mbx-k')).toMatchObject({ code: 0 });
    await waitFor(async () => (await podman('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'mbx-k')).stdout.trim() === 'exited 9', { what: 'the trap to exit 9' });
    expect(await podman('rm', 'mbx-k')).toMatchObject({ code: 0 });
    const run2 = await podman('run', '-d', '--name', 'mbx-k2', '--network', 'none', ...ULIMITS, image, 'sleep', '300');
    expect(run2, run2.stderr).toMatchObject({ code: 0 });
    expect(await podman('kill', 'mbx-k2')).toMatchObject({ code: 0 });
    await waitFor(async () => (await podman('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'mbx-k2')).stdout.trim() === 'exited 137', { what: 'killed: 137' });
    expect(await podman('rm', 'mbx-k2')).toMatchObject({ code: 0 });
    await waitFor(() => leftInRuntimeRoot().length === 0, { what: 'both gone from the runtime root' });
  }, 90_000);

  it('a missing program: podman reads the error of create (127)', async () => {
    const r = await podman('run', '--rm', '--network', 'none', ...ULIMITS, image, 'no-such-program');
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/executable file not found/);
  }, 60_000);

  it('an OOM kill is reported back: exit 137 (OOMKilled is false with runc too on this v1 host)', async () => {
    const hog = 'x=aaaaaaaaaa; while true; do x=$x$x; done';
    const r = await podman('run', '--name', 'mbx-oom', '--network', 'none', '--memory', '16m', '--memory-swap', '16m', ...ULIMITS, image, 'sh', '-c', hog);
    expect(r.code).toBe(137);
    expect((await podman('inspect', '--format', '{{.State.ExitCode}}', 'mbx-oom')).stdout.trim()).toBe('137');
    expect(await podman('rm', 'mbx-oom')).toMatchObject({ code: 0 });
  }, 90_000);
});

describe('containerd (ctr, the runc v2 shim) with --runc-binary minibox-runtime', () => {
  const base = path.join(DIR, 'containerd');
  const sock = path.join(base, 'containerd.sock');
  const NS = `minibox-test-${process.pid}`;
  // the runc shim keeps its runtime's state in /run/containerd/runc/<namespace> (hard-wired)
  const shimRoot = path.join('/run/containerd/runc', NS);
  const hadRunContainerd = existsSync('/run/containerd');
  let daemon: ReturnType<typeof spawn> | undefined;
  const ctr = (...args: string[]) => sh(['ctr', '--address', sock, '--namespace', NS, ...args]);
  const ctrArgv = (...args: string[]) => ['ctr', '--address', sock, '--namespace', NS, ...args];
  const IMAGE = 'docker.io/library/busybox:latest';

  beforeAll(async () => {
    mkdirSync(base, { recursive: true });
    const config = [
      'version = 2',
      `root = "${base}/root"`,
      `state = "${base}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[ttrpc]',
      `  address = "${sock}.ttrpc"`,
      '[debug]',
      `  address = "${base}/debug.sock"`,
    ].join('\n');
    writeFileSync(path.join(base, 'config.toml'), `${config}\n`);
    // fds above stdio closed: the daemon outlives this command and must not hold the lock
    daemon = spawn('python3', ['-c', 'import os,sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])', 'containerd', '--config', path.join(base, 'config.toml')], {
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    await waitFor(async () => existsSync(sock) && (await ctr('version')).code === 0, { what: 'the private containerd to answer', timeout: 30_000 });
    const tar = path.join(base, 'busybox.tar');
    const t = await sh(['tar', '-C', await ensureBusyboxLayout(), '-cf', tar, '.']);
    expect(t.code).toBe(0);
    const imp = await ctr('image', 'import', tar);
    expect(imp, imp.stderr).toMatchObject({ code: 0 });
  }, 120_000);

  afterAll(async () => {
    try {
      if (daemon?.pid && existsSync(sock)) {
        const tasks = (await ctr('task', 'ls', '-q')).stdout.split('\n').filter(Boolean);
        for (const t of tasks) {
          await ctr('task', 'kill', '--signal', 'KILL', t);
          await waitFor(async () => (await ctr('task', 'rm', t)).code === 0, { what: `task ${t} removed`, timeout: 15_000 }).catch(() => undefined);
        }
        for (const c of (await ctr('container', 'ls', '-q')).stdout.split('\n').filter(Boolean)) await ctr('container', 'rm', c);
        await ctr('image', 'rm', IMAGE);
        // containerd's own namespace bookkeeping: empty now, so it can go too
        await ctr('namespace', 'rm', NS);
      }
    } finally {
      if (daemon?.pid) {
        process.kill(daemon.pid, 'SIGTERM');
        await waitFor(() => daemon!.exitCode !== null || daemon!.signalCode !== null, { what: 'containerd to exit', timeout: 15_000 }).catch(() => process.kill(daemon!.pid!, 'SIGKILL'));
      }
      await unmountAll(base);
      rmSync(shimRoot, { recursive: true, force: true });
      if (!hadRunContainerd) rmSync('/run/containerd', { recursive: true, force: true });
    }
  }, 120_000);

  it('ctr run --rm echo hi through the runc v2 shim', async () => {
    const r = await ctr('run', '--runc-binary', RUNTIME, '--rm', IMAGE, 'mbx-c1', 'echo', 'hi');
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'hi\n' });
  }, 60_000);

  it('exec with and without a tty, kill, delete', async () => {
    const run = await ctr('run', '-d', '--runc-binary', RUNTIME, IMAGE, 'mbx-c2', 'sleep', '300');
    expect(run, run.stderr).toMatchObject({ code: 0 });
    const pid = Number(/mbx-c2\s+(\d+)\s+RUNNING/.exec((await ctr('task', 'ls')).stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // containerd asks for /<namespace>/<id>: the container is there; both levels go at delete
    expect(memoryCgroupOf(pid)).toBe(`/${NS}/mbx-c2`);
    // the runc shim gave minibox-runtime its --root: the container is there
    expect(existsSync(path.join(shimRoot, 'mbx-c2', 'runtime.json'))).toBe(true);
    const ex = await ctr('task', 'exec', '--exec-id', 'e1', 'mbx-c2', 'sh', '-c', 'echo exec-out; exit 4');
    expect(ex).toMatchObject({ code: 4, stdout: 'exec-out\n' });
    const tty = await inPty([['sleep', 1], ['send', 'tty; exit 5\r']], ctrArgv('task', 'exec', '-t', '--exec-id', 'e2', 'mbx-c2', 'sh'));
    expect(tty.out).toMatch(/\/dev\/pts\/\d+/);
    expect(tty.code).toBe(5);
    expect((await ctr('task', 'kill', '--signal', 'KILL', 'mbx-c2')).code).toBe(0);
    await waitFor(async () => /mbx-c2\s+\d+\s+STOPPED/.test((await ctr('task', 'ls')).stdout), { what: 'the task STOPPED' });
    expect((await ctr('task', 'rm', 'mbx-c2')).code).toBe(0);
    expect((await ctr('container', 'rm', 'mbx-c2')).code).toBe(0);
    expect(existsSync(path.join(shimRoot, 'mbx-c2'))).toBe(false);
    expect(memoryCgroupExists(`/${NS}/mbx-c2`)).toBe(false);
    expect(memoryCgroupExists(`/${NS}`)).toBe(false);
  }, 90_000);

  it('stop as containerd does it: task kill sends TERM by default; ctr run returns the program\'s exit status', async () => {
    // in the foreground: ctr run --rm waits for the task and exits with its status
    const running = ctr('run', '--rm', '--runc-binary', RUNTIME, IMAGE, 'mbx-term', 'sh', '-c', 'trap "exit 11" TERM; while :; do sleep 1; done');
    await waitFor(async () => /mbx-term\s+\d+\s+RUNNING/.test((await ctr('task', 'ls')).stdout), { what: 'the task RUNNING' });
    await new Promise((r) => setTimeout(r, 500)); // past the trap
    expect(await ctr('task', 'kill', 'mbx-term')).toMatchObject({ code: 0 });
    const r = await running;
    expect(r, r.stderr).toMatchObject({ code: 11 });
    expect(existsSync(path.join(shimRoot, 'mbx-term'))).toBe(false);
  }, 60_000);

  it('an OOM kill is reported back: the task exits 137 and containerd publishes /tasks/oom for it', async () => {
    // `ctr events` as its own process (fds above stdio closed, as sh does), read while the task runs
    const events = spawn('python3', ['-c', 'import os,sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])', ...ctrArgv('events')], { stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = '';
    events.stdout.on('data', (d) => (seen += d));
    try {
      await new Promise((r) => setTimeout(r, 500)); // subscribed before the task starts
      const hog = 'x=aaaaaaaaaa; while true; do x=$x$x; done';
      const r = await ctr('run', '--rm', '--runc-binary', RUNTIME, '--memory-limit', String(16 << 20), IMAGE, 'mbx-oom', 'sh', '-c', hog);
      expect(r.code).toBe(137);
      await waitFor(() => /\/tasks\/oom\s.*mbx-oom/.test(seen), { what: 'the /tasks/oom event of mbx-oom' });
    } finally {
      events.kill('SIGKILL');
    }
  }, 90_000);

  it('ctr run -t: the container gets a pty as its stdio', async () => {
    const r = await inPty([['sleep', 1.5], ['send', 'tty; exit 6\r']], ctrArgv('run', '-t', '--rm', '--runc-binary', RUNTIME, IMAGE, 'mbx-c3', 'sh'));
    expect(r.out).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code).toBe(6);
  }, 60_000);
});
