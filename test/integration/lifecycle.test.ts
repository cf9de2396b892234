import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { MINIBOX_BIN, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { nodeProcessesFor } from '../helpers/detached.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { processAlive, waitFor } from '../helpers/wait.js';

/** Detached containers, their C monitor, logs and the lifecycle commands (issue #4). */
let root: string;
const mb = (...args: string[]) => minibox(args, { root });

useBusyboxRoot((r) => (root = r));

const state = (id: string) => JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8'));

describe('run -d', () => {
  it('prints the 64-hex id, returns fast, and leaves no node process', async () => {
    const t0 = Date.now();
    const r = await mb('run', '-d', '--name', 'bg', 'busybox', 'sleep', '30');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect(Date.now() - t0).toBeLessThan(3000);
    const id = r.stdout.trim();
    expect(nodeProcessesFor(root, id)).toEqual([]);
    expect((await mb('ps', '--format', '{{.Names}} {{.State}}')).stdout).toBe('bg running\n');
  });

  it("the container's monitor is the C shim and stays well under 1 MiB of RSS", async () => {
    const id = (await mb('run', '-d', '--name', 'rss', 'busybox', 'sleep', '30')).stdout.trim();
    const monitor = state(id).shimPid as number;
    expect(readFileSync(`/proc/${monitor}/comm`, 'utf8').trim()).toBe('minibox-shim');
    const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${monitor}/status`, 'utf8'))?.[1]);
    console.log(`monitor RSS: ${rssKiB} KiB`);
    expect(rssKiB).toBeGreaterThan(0);
    expect(rssKiB).toBeLessThanOrEqual(640); // ~280 KiB: the monitor gives back its setup pages (monitor/resident.c)
  });

  it('logs: both streams, --tail, -t, -f until exit', async () => {
    await mb('run', '-d', '--name', 'lg', 'busybox', 'sh', '-c', 'echo out; echo err >&2; echo two; sleep 1; echo late');
    const f = await mb('logs', '-f', 'lg');
    expect(f.stdout).toBe('out\ntwo\nlate\n');
    expect(f.stderr).toBe('err\n');
    expect((await mb('logs', '--tail', '1', 'lg')).stdout).toBe('late\n');
    expect((await mb('logs', '-t', '--tail', '1', 'lg')).stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z late\n$/);
    expect((await mb('logs', '--since', '1h', 'lg')).stdout).toBe('out\ntwo\nlate\n');
    expect((await mb('wait', 'lg')).stdout).toBe('0\n');
  });

  it('logs into a pipe whose reader goes away (| head) ends quietly, exit 0', async () => {
    await mb('run', '-d', '--name', 'many', 'busybox', 'seq', '1', '200000'); // ~1.3 MB: more than a pipe holds
    expect((await mb('wait', 'many')).stdout).toBe('0\n');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" -- "${MINIBOX_BIN}" logs many | head -n 2`], { env: { ...process.env, MINIBOX_ROOT: root }, encoding: 'utf8' });
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['1', '2']);
    expect(r.stderr).toBe(''); // no EPIPE stack trace
    const status = spawnSync('bash', ['-c', `"${process.execPath}" -- "${MINIBOX_BIN}" logs many | head -n 1 >/dev/null; echo \${PIPESTATUS[0]}`], { env: { ...process.env, MINIBOX_ROOT: root }, encoding: 'utf8' });
    expect(status.stdout.trim()).toBe('0');
    expect((await mb('rm', 'many')).code).toBe(0);
  });

  it('unknown container: No such container, exit 1', async () => {
    for (const cmd of ['stop', 'kill', 'start', 'wait', 'logs', 'restart']) {
      const r = await mb(cmd, 'nope');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('No such container: nope');
    }
  });
});

describe('stop, kill, start, restart, wait', () => {
  it('stop honours a trapped SIGTERM quickly', async () => {
    await mb('run', '-d', '--name', 'trap', 'busybox', 'sh', '-c', 'trap "exit 7" TERM; while true; do sleep 0.1; done');
    const t0 = Date.now();
    expect((await mb('stop', 'trap')).stdout).toBe('trap\n');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await mb('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'trap')).stdout).toBe('exited 7\n');
  });

  it('stop -t 1 kills an init that ignores SIGTERM: 137', async () => {
    await mb('run', '-d', '--name', 'stub', 'busybox', 'sleep', '60');
    const t0 = Date.now();
    await mb('stop', '-t', '1', 'stub');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect((await mb('wait', 'stub')).stdout).toBe('137\n');
  });

  it('kill -s, start -a, restart, wait', async () => {
    const id = (await mb('run', '-d', '--name', 'kl', 'busybox', 'sh', '-c', 'trap "exit 9" USR1; echo hi; while true; do sleep 0.1; done')).stdout.trim();
    // "hi" is printed after the trap is set: from then on USR1 means exit 9
    await waitFor(async () => (await mb('logs', 'kl')).stdout === 'hi\n', { what: 'the trap to be set' });
    expect(await mb('kill', '-s', 'USR1', 'kl')).toMatchObject({ code: 0, stdout: 'kl\n', stderr: '' });
    expect((await mb('wait', 'kl')).stdout).toBe('9\n');
    const firstPid = state(id).pid;
    expect((await mb('restart', '-t', '1', 'kl')).stdout).toBe('kl\n');
    const s = state(id);
    expect(s.status).toBe('running');
    expect(s.pid).not.toBe(firstPid);
    await mb('kill', 'kl');
    expect((await mb('wait', 'kl')).stdout).toBe('137\n');
    expect((await mb('logs', 'kl')).stdout).toBe('hi\nhi\n');
  }, 60_000);

  it('start -a returns the exit code', async () => {
    await mb('run', '-d', '--name', 'sa', 'busybox', 'sh', '-c', 'echo again; exit 3');
    await mb('wait', 'sa');
    const a = await mb('start', '-a', 'sa');
    expect(a).toMatchObject({ code: 3, stdout: 'again\n' });
  });

  it('a monitor killed with SIGKILL: the container dies and shows exited', async () => {
    const id = (await mb('run', '-d', '--name', 'mk', 'busybox', 'sleep', '60')).stdout.trim();
    const { shimPid, pid } = state(id);
    process.kill(shimPid, 'SIGKILL');
    await waitFor(() => !processAlive(pid), { what: 'the container to die with its monitor' });
    expect((await mb('ps', '-a', '--format', '{{.Names}} {{.State}}')).stdout).toBe('mk exited\n');
    expect((await mb('inspect', '-f', '{{.State.Running}}', 'mk')).stdout).toBe('false\n');
  });
});

describe('restart policies', () => {
  it('on-failure:2 restarts twice, then stays exited', async () => {
    await mb('run', '-d', '--name', 'of', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo run; exit 2');
    expect((await mb('wait', 'of')).stdout).toBe('2\n');
    expect((await mb('logs', 'of')).stdout).toBe('run\nrun\nrun\n');
  });

  it('always restarts until stop', async () => {
    const id = (await mb('run', '-d', '--name', 'al', '--restart', 'always', 'busybox', 'sh', '-c', 'echo a; sleep 0.1')).stdout.trim();
    const runs = async () => (await mb('logs', 'al')).stdout.split('\n').filter(Boolean).length;
    await waitFor(async () => (await runs()) >= 3, { what: 'two restarts' });
    const { shimPid } = state(id);
    await mb('stop', '-t', '1', 'al');
    const n = (await mb('logs', 'al')).stdout;
    // restarts are the monitor's job: once it has exited, nothing can start the container again
    await waitFor(() => !processAlive(shimPid), { what: 'the monitor to exit after stop' });
    expect((await mb('logs', 'al')).stdout).toBe(n);
    expect((await mb('ps', '-a', '--format', '{{.State}}')).stdout).toBe('exited\n');
  });
});

describe('100 detached containers', () => {
  it('start, list, stop and remove with no failure', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `c${i}`);
    for (let i = 0; i < names.length; i += 10) {
      const rs = await Promise.all(names.slice(i, i + 10).map((n) => minibox(['run', '-d', '--name', n, 'busybox', 'sleep', '300'], { root, timeoutMs: 60_000 })));
      for (const r of rs) expect(r).toMatchObject({ code: 0, stderr: '' });
    }
    expect((await mb('ps', '-q')).stdout.trim().split('\n')).toHaveLength(100);
    for (let i = 0; i < names.length; i += 25) {
      const r = await minibox(['stop', '-t', '0', ...names.slice(i, i + 25)], { root, timeoutMs: 120_000 });
      expect(r.code).toBe(0);
    }
    expect((await mb('ps', '-q')).stdout).toBe('');
    const rm = await minibox(['rm', ...names], { root, timeoutMs: 120_000 });
    expect(rm.code).toBe(0);
    expect((await mb('ps', '-aq')).stdout).toBe('');
    expect(leakcheck()).toEqual([]);
  }, 240_000);
});
