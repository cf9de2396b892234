import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import tar from 'tar-stream';
import { MINIBOX_BIN, minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { isV2 } from '../helpers/cgroup-paths.js';
import { waitFor } from '../helpers/wait.js';
import { sleep } from '../helpers/detached.js';

/**
 * pause/unpause (the cgroup freezer) and cp's freeze of a running container (issue #12),
 * checked against the kernel's own freezer files. `--network none` throughout: the v2 lane's
 * guest has no netfilter (test/integration/cgroups-v2.test.ts runs this file there too).
 */
let root: string;
const mb = (...args: string[]) => minibox(args, { root });
useBusyboxRoot((r) => (root = r));

const cgDir = (id: string) => (isV2 ? `/sys/fs/cgroup/minibox/${id}` : `/sys/fs/cgroup/freezer/minibox/${id}`);
/** What the kernel says, not what minibox says. */
function frozen(id: string): boolean {
  if (isV2) return /^frozen 1$/m.test(readFileSync(`${cgDir(id)}/cgroup.events`, 'utf8'));
  return readFileSync(`${cgDir(id)}/freezer.state`, 'utf8').trim() === 'FROZEN';
}
const tasks = (id: string) => readFileSync(`${cgDir(id)}/${isV2 ? 'cgroup.procs' : 'tasks'}`, 'utf8').split('\n').filter(Boolean).map(Number);

// the counter goes to stdout (the log) first, then to /tmp/n: once frozen, the log can hold n+1 at most;
// renamed into place, so a freeze between the shell's truncate and its write never shows an empty file
const COUNTER = 'i=0; while :; do i=$((i+1)); echo $i; echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done';

async function startCounter(name: string): Promise<{ id: string; pid: number; shimPid: number }> {
  expect((await mb('run', '-d', '--network', 'none', '--name', name, 'busybox', 'sh', '-c', COUNTER)).code).toBe(0);
  const view = await mb('inspect', '-f', '{{.Id}} {{.State.Pid}}', name);
  const [id = '', pid = '0'] = view.stdout.trim().split(' ');
  const state = JSON.parse(readFileSync(`${root}/containers/${id}/state.json`, 'utf8')) as { shimPid: number };
  await waitFor(() => lastLogged(name).then((n) => n >= 2), { what: `${name} counting` });
  return { id, pid: Number(pid), shimPid: state.shimPid };
}

async function lastLogged(name: string): Promise<number> {
  const lines = (await mb('logs', name)).stdout.trim().split('\n');
  return Number(lines[lines.length - 1] || 0);
}

/** The container's own last count, read from the host through its root (works while frozen). */
const counted = (pid: number) => Number(readFileSync(`/proc/${pid}/root/tmp/n`, 'utf8').trim());

describe('pause and unpause', () => {
  it('a paused container writes nothing more, shows as (Paused) in ps and paused in inspect, and goes on after unpause', async () => {
    const c = await startCounter('pz1');
    const paused = await mb('pause', 'pz1');
    expect(paused).toMatchObject({ code: 0, stdout: 'pz1\n' });
    expect(frozen(c.id)).toBe(true);
    // the monitor (and its health checker) must stay outside the frozen cgroup
    expect(tasks(c.id)).toContain(c.pid);
    expect(tasks(c.id)).not.toContain(c.shimPid);
    const n = counted(c.pid);
    await sleep(1000); // 20 counts' worth: a container still running would be far past n+1
    expect(counted(c.pid)).toBe(n);
    expect(await lastLogged('pz1')).toBeLessThanOrEqual(n + 1);
    expect((await mb('ps')).stdout).toMatch(/Up .* \(Paused\) .*pz1\n/);
    expect((await mb('ps', '--format', '{{.Names}} {{.State}}')).stdout).toBe('pz1 paused\n');
    expect((await mb('ps', '-q', '-f', 'status=paused')).stdout).toBe(`${c.id.slice(0, 12)}\n`);
    const state = JSON.parse((await mb('inspect', '-f', '{{json .State}}', 'pz1')).stdout) as Record<string, unknown>;
    expect(state).toMatchObject({ Status: 'paused', Running: true, Paused: true });

    expect(await mb('unpause', 'pz1')).toMatchObject({ code: 0, stdout: 'pz1\n' });
    expect(frozen(c.id)).toBe(false);
    await waitFor(async () => (await lastLogged('pz1')) > n + 2, { what: 'the count to go on' });
    expect((await mb('inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'pz1')).stdout).toBe('running false\n');
  });

  it("refuses what Docker refuses: exec and rm of a paused container, pausing twice, unpausing a running or stopped one", async () => {
    const c = await startCounter('pz2');
    expect((await mb('pause', 'pz2')).code).toBe(0);
    const again = await mb('pause', 'pz2');
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(again.stderr).toBe(`minibox: Container ${c.id} is already paused\n`);
    const exec = await mb('exec', 'pz2', 'true');
    expect(exec.code).toBe(1);
    expect(exec.stderr).toBe('minibox: Container pz2 is paused, unpause the container before exec\n');
    const start = await mb('start', 'pz2');
    expect(start).toMatchObject({ code: 1, stdout: '', stderr: 'minibox: cannot start a paused container, try unpause instead\n' });
    const rm = await mb('rm', 'pz2');
    expect(rm.code).toBe(1);
    expect(rm.stderr).toBe('minibox: cannot remove container "/pz2": container is paused and must be unpaused first\n');
    expect((await mb('unpause', 'pz2')).code).toBe(0);
    const notPaused = await mb('unpause', 'pz2');
    expect(notPaused).toMatchObject({ code: 1, stderr: `minibox: Container ${c.id} is not paused\n` });

    expect((await mb('run', '--network', 'none', '--name', 'pz2-done', 'busybox', 'true')).code).toBe(0);
    const doneId = (await mb('inspect', '-f', '{{.Id}}', 'pz2-done')).stdout.trim();
    const stopped = await mb('pause', 'pz2-done');
    expect(stopped).toMatchObject({ code: 1, stdout: '', stderr: `minibox: Container ${doneId} is not running\n` });
    expect((await mb('unpause', 'pz2-done')).stderr).toBe(`minibox: Container ${doneId} is not paused\n`);
    // several at once: each tried, the good ones printed, exit 1 for the bad one
    const both = await mb('pause', 'pz2', 'nope', 'pz2-done');
    expect(both.stdout).toBe('pz2\n');
    expect(both.stderr).toBe(`minibox: No such container: nope\nminibox: Container ${doneId} is not running\n`);
    expect(both.code).toBe(1);
    expect(frozen(c.id)).toBe(true);
  });

  it('stop thaws a paused container so it hears its stop signal; kill -9 and rm -f end a paused one', async () => {
    const trap = 'trap "exit 3" TERM; while :; do sleep 0.05; done';
    expect((await mb('run', '-d', '--network', 'none', '--name', 'pz3', 'busybox', 'sh', '-c', trap)).code).toBe(0);
    expect((await mb('pause', 'pz3')).code).toBe(0);
    // the TERM handler's status, not 137: the container ran again before the 30 s were up
    expect((await mb('stop', '-t', '30', 'pz3')).code).toBe(0);
    expect((await mb('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'pz3')).stdout).toBe('exited 3\n');

    await startCounter('pz4');
    expect((await mb('pause', 'pz4')).code).toBe(0);
    expect((await mb('kill', 'pz4')).code).toBe(0);
    expect(await waitFor(async () => (await mb('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'pz4')).stdout.startsWith('exited'))).toBe(true);
    expect((await mb('inspect', '-f', '{{.State.ExitCode}}', 'pz4')).stdout).toBe('137\n');

    const c5 = await startCounter('pz5');
    expect((await mb('pause', 'pz5')).code).toBe(0);
    expect(await mb('rm', '-f', 'pz5')).toMatchObject({ code: 0, stdout: 'pz5\n' });
    expect(existsSync(cgDir(c5.id))).toBe(false);
  });
});

describe('pause and the monitor', () => {
  it("a health-checked container's monitor lives through a pause, outside the frozen cgroup, and checks pass again after unpause", async () => {
    const hc = ['--health-cmd', 'true', '--health-interval', '200ms', '--health-timeout', '500ms', '--health-retries', '2'];
    expect((await mb('run', '-d', '--network', 'none', '--name', 'ph1', ...hc, 'busybox', 'sleep', '300')).code).toBe(0);
    const health = async () => JSON.parse((await mb('inspect', '-f', '{{json .State.Health}}', 'ph1')).stdout) as { Status: string; Log: Array<{ Start: string; ExitCode: number }> };
    await waitFor(async () => (await health()).Status === 'healthy', { what: 'ph1 healthy' });
    const id = (await mb('inspect', '-f', '{{.Id}}', 'ph1')).stdout.trim();
    const { shimPid } = JSON.parse(readFileSync(`${root}/containers/${id}/state.json`, 'utf8')) as { shimPid: number };
    expect((await mb('pause', 'ph1')).code).toBe(0);
    await sleep(1500); // several intervals and a whole check timeout spent frozen
    expect(existsSync(`/proc/${shimPid}`)).toBe(true);
    expect(tasks(id)).not.toContain(shimPid);
    const unpausedAt = Date.now();
    expect((await mb('unpause', 'ph1')).code).toBe(0);
    await waitFor(async () => (await health()).Log.some((l) => Date.parse(l.Start) > unpausedAt && l.ExitCode === 0), { what: 'a passing check after unpause' });
    expect((await mb('inspect', '-f', '{{.State.Status}}', 'ph1')).stdout).toBe('running\n');
  });
});

describe('health checks while paused', () => {
  it('no probe runs in a paused container: a pause longer than the timeout never makes it unhealthy, as in Docker', async () => {
    const hc = ['--health-cmd', 'true', '--health-interval', '200ms', '--health-timeout', '300ms', '--health-retries', '1'];
    expect((await mb('run', '-d', '--network', 'none', '--name', 'ph2', ...hc, 'busybox', 'sleep', '300')).code).toBe(0);
    const health = async () => JSON.parse((await mb('inspect', '-f', '{{json .State.Health}}', 'ph2')).stdout) as { Status: string; FailingStreak: number; Log: Array<{ Start: string; ExitCode: number; Output: string }> };
    await waitFor(async () => (await health()).Status === 'healthy', { what: 'ph2 healthy' });
    expect((await mb('pause', 'ph2')).code).toBe(0);
    const pausedAt = Date.now();
    const seen = new Set<string>();
    // several intervals, each probe's timeout over: a probe started in the frozen cgroup would have failed by now
    while (Date.now() - pausedAt < 1500) seen.add((await health()).Status);
    const unpausedAt = Date.now();
    expect((await mb('unpause', 'ph2')).code).toBe(0);
    await waitFor(async () => (await health()).Log.some((l) => Date.parse(l.Start) > unpausedAt && l.ExitCode === 0), { what: 'a passing check after unpause' });
    const after = await health();
    expect([...seen]).toEqual(['healthy']);
    expect(after.Status).toBe('healthy');
    expect(after.FailingStreak).toBe(0);
    expect(after.Log.filter((l) => l.ExitCode !== 0)).toEqual([]);
  });
});

/** `minibox cp - DEST` whose stdin the test holds open: `end(tar)` sends the archive and closes it. */
function cpHeldOpen(dest: string): { end: (tarBytes: Buffer) => void; kill: (s: NodeJS.Signals) => void; exited: Promise<{ code: number; stderr: string }> } {
  const child = spawn(process.execPath, [MINIBOX_BIN, 'cp', '-', dest], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => {}); // EPIPE from a cp that was killed or refused: its status tells
  const exited = new Promise<{ code: number; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stderr })));
  return { end: (b) => child.stdin.end(b), kill: (s) => void child.kill(s), exited };
}

function tarOf(name: string, content: string): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    pack.on('data', (c: Buffer) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
}

describe('cp freezes a running container for the copy', () => {
  it('the cgroup is frozen while the copy runs, and running (not paused) after it', async () => {
    const c = await startCounter('pc1');
    const cp = cpHeldOpen('pc1:/tmp');
    // the copy holds the freeze while it waits for its input: the kernel says frozen, ps says Paused
    await waitFor(() => frozen(c.id), { what: 'the freeze during cp' });
    const n = counted(c.pid);
    expect((await mb('ps', '--format', '{{.Status}}')).stdout).toMatch(/\(Paused\)/);
    expect(counted(c.pid)).toBe(n);
    cp.end(await tarOf('sent.txt', 'through a frozen container\n'));
    expect(await cp.exited).toEqual({ code: 0, stderr: '' });
    expect(frozen(c.id)).toBe(false);
    expect((await mb('inspect', '-f', '{{.State.Status}}', 'pc1')).stdout).toBe('running\n');
    expect(readFileSync(`/proc/${c.pid}/root/tmp/sent.txt`, 'utf8')).toBe('through a frozen container\n');
    expect((await mb('exec', 'pc1', 'true')).code).toBe(0);
    await waitFor(() => counted(c.pid) > n + 1, { what: 'the count to go on after cp' });
  });

  it('an interrupted copy (Ctrl-C) thaws it before it exits', async () => {
    const c = await startCounter('pc4');
    const cp = cpHeldOpen('pc4:/tmp');
    await waitFor(() => frozen(c.id), { what: 'the freeze during cp' });
    cp.kill('SIGINT');
    expect((await cp.exited).code).toBe(130);
    expect(frozen(c.id)).toBe(false);
    expect((await mb('inspect', '-f', '{{.State.Status}}', 'pc4')).stdout).toBe('running\n');
  });

  it('a failed copy thaws it too', async () => {
    const c = await startCounter('pc2');
    const r = await mb('cp', '/etc/hostname', 'pc2:/no/such/dir/');
    expect(r.code).toBe(1);
    expect(frozen(c.id)).toBe(false);
    expect((await mb('exec', 'pc2', 'true')).code).toBe(0);
  });

  it('a container the user paused stays paused through a copy both ways', async () => {
    const c = await startCounter('pc3');
    expect((await mb('pause', 'pc3')).code).toBe(0);
    const n = counted(c.pid);
    expect((await mb('cp', '/etc/hostname', 'pc3:/tmp/h')).code).toBe(0);
    const out = await mb('cp', 'pc3:/tmp/n', '-');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`${n}\n`);
    expect(frozen(c.id)).toBe(true);
    expect((await mb('inspect', '-f', '{{.State.Status}}', 'pc3')).stdout).toBe('paused\n');
    expect((await mb('unpause', 'pc3')).code).toBe(0);
    expect(readFileSync(`/proc/${c.pid}/root/tmp/h`, 'utf8')).toBe(readFileSync('/etc/hostname', 'utf8'));
  });
});
