import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { buildImage } from '../helpers/oci-builder.js';
import { nodeProcessesFor, removeAll } from '../helpers/detached.js';
import { processAlive, waitFor } from '../helpers/wait.js';
import { runInBackground, stopBackgrounds } from '../helpers/background.js';

/** Health checks run by the detached container's C monitor (issue #12, item 4). */
let root: string;
let cleanup: () => void;
const mb = (...args: string[]) => minibox(args, { root });

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await mb('load', '-q', '-i', await ensureBusyboxLayout())).code).toBe(0);
  const img = await buildImage({
    name: 'docker.io/library/hc:latest',
    base: 'busybox',
    config: { Cmd: ['sleep', '30'], Healthcheck: { Test: ['CMD', 'true'], Interval: 200_000_000, Retries: 2 } },
  });
  const imgLoaded = await mb('load', '-q', '-i', img.layoutDir);
  rmSync(img.layoutDir, { recursive: true, force: true }); // in the store now, or the load failed: gone either way
  expect(imgLoaded.code).toBe(0);
  const bad = await buildImage({
    name: 'docker.io/library/hcbad:latest',
    base: 'busybox',
    config: { Cmd: ['sleep', '30'], Healthcheck: { Test: ['CMD', '/no-such-check'], Interval: 200_000_000, Retries: 1 } },
  });
  const badLoaded = await mb('load', '-q', '-i', bad.layoutDir);
  rmSync(bad.layoutDir, { recursive: true, force: true });
  expect(badLoaded.code).toBe(0);
});
afterEach(async () => {
  await stopBackgrounds();
  await removeAll(root);
});
afterAll(() => {
  cleanup();
  expect(leakcheck()).toEqual([]);
});

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

async function inspectHealth(name: string): Promise<Health | undefined> {
  const r = await mb('inspect', name);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout)[0].State.Health;
}

const waitStatus = (name: string, status: string) =>
  waitFor(async () => ((await inspectHealth(name))?.Status === status ? true : undefined), { timeout: 15_000, interval: 100, what: `${name} ${status}` });

const hcFlags = ['--health-interval', '200ms', '--health-retries', '2'];

describe('health checks', () => {
  it('a passing check turns the container healthy, a failing one unhealthy; ps and inspect show it', async () => {
    const ok = await mb('run', '-d', '--name', 'ok', '--health-cmd', 'echo checked; test -f /tmp/ok', ...hcFlags, 'busybox', 'sh', '-c', 'touch /tmp/ok; exec sleep 30');
    const bad = await mb('run', '-d', '--name', 'bad', '--health-cmd', 'test -f /tmp/ok', ...hcFlags, 'busybox', 'sleep', '30');
    expect([ok.code, bad.code]).toEqual([0, 0]);
    const id = ok.stdout.trim();
    expect((await inspectHealth('ok'))?.Status).toMatch(/^(starting|healthy)$/);
    await waitStatus('ok', 'healthy');
    await waitStatus('bad', 'unhealthy');
    const good = (await inspectHealth('ok'))!;
    expect(good.FailingStreak).toBe(0);
    expect(good.Log.length).toBeGreaterThan(0);
    expect(good.Log.length).toBeLessThanOrEqual(5);
    expect(good.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'checked\n' });
    expect(good.Log.at(-1)!.Start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const failing = (await inspectHealth('bad'))!;
    expect(failing.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(failing.Log.every((e) => e.ExitCode === 1)).toBe(true);

    expect((await mb('ps', '--format', '{{.Names}} {{.Status}}')).stdout.split('\n').sort().join('\n')).toMatch(
      /^\nbad Up .* \(unhealthy\)\nok Up .* \(healthy\)$/,
    );
    expect((await mb('ps', '--filter', 'health=healthy', '--format', '{{.Names}}')).stdout).toBe('ok\n');
    expect((await mb('ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}')).stdout).toBe('bad\n');
    expect((await mb('ps', '--filter', 'health=none', '--format', '{{.Names}}')).stdout).toBe('');
    expect(nodeProcessesFor(root, id)).toEqual([]);
  });

  it("the check runs inside the container's namespaces, and the monitor stays under 1 MiB", async () => {
    const id = (await mb('run', '-d', '--name', 'ns', '--hostname', 'inside', '--health-cmd', 'hostname; cat /etc/hostname', ...hcFlags, 'busybox', 'sleep', '30')).stdout.trim();
    await waitStatus('ns', 'healthy');
    expect((await inspectHealth('ns'))!.Log.at(-1)!.Output).toBe('inside\ninside\n');
    const st = JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8'));
    const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${st.shimPid}/status`, 'utf8'))?.[1]);
    expect(rssKiB).toBeGreaterThan(0);
    expect(rssKiB).toBeLessThanOrEqual(640); // ~280 KiB: the monitor gives back its setup pages (monitor/resident.c)
  });

  it('a check slower than the timeout is killed (as a non-root user too) and counted as a failure', async () => {
    await mb('run', '-d', '--name', 'slow', '-u', '65534', '--health-cmd', 'exec sleep 5', '--health-timeout', '300ms', ...hcFlags, 'busybox', 'sleep', '30');
    await waitStatus('slow', 'unhealthy');
    const h = (await inspectHealth('slow'))!;
    expect(h.Log.at(-1)).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (300ms)' });
    const ms = Date.parse(h.Log.at(-1)!.End) - Date.parse(h.Log.at(-1)!.Start);
    expect(ms).toBeLessThan(2000);
    // each killed check's program is gone: at most the one in flight is left (PDEATHSIG alone
    // would not reach it as uid 65534)
    expect(processesRunning('sleep\x005\x00').length).toBeLessThanOrEqual(1);
  });

  it('a check that cannot start says why in its Output', async () => {
    expect((await mb('run', '-d', '--name', 'noexec', 'hcbad')).code).toBe(0);
    await waitStatus('noexec', 'unhealthy');
    const last = (await inspectHealth('noexec'))!.Log.at(-1)!;
    expect(last.ExitCode).not.toBe(0);
    expect(last.Output).toMatch(/no-such-check/);
  });

  it("the image's HEALTHCHECK runs; --no-healthcheck disables it", async () => {
    await mb('run', '-d', '--name', 'img', 'hc');
    await waitStatus('img', 'healthy');
    expect((await mb('run', '-d', '--name', 'off', '--no-healthcheck', 'hc')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 600)); // three intervals of the image's check
    expect(await inspectHealth('off')).toBeUndefined();
    expect((await mb('ps', '--filter', 'health=none', '--format', '{{.Names}}')).stdout).toBe('off\n');
  });

  it('bad flags: Docker\'s wording, exit 125, nothing made', async () => {
    const cases: [string[], RegExp][] = [
      [['--health-interval', 'soon'], /invalid argument "soon" for "--health-interval" flag: time: invalid duration "soon"/],
      [['--health-timeout', '-1s'], /--health-timeout cannot be negative/],
      [['--health-retries', 'x'], /invalid argument "x" for "--health-retries" flag/],
      [['--no-healthcheck', '--health-cmd', 'true'], /--no-healthcheck conflicts with --health-\* options/],
    ];
    for (const [flags, msg] of cases) {
      const r = await mb('run', '-d', ...flags, 'busybox', 'true');
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(msg);
    }
    expect((await mb('ps', '-aq')).stdout).toBe('');
  });

  it('health: starting until the first check', async () => {
    await mb('run', '-d', '--name', 'later', '--health-cmd', 'true', '--health-interval', '1h', 'busybox', 'sleep', '30');
    await waitFor(async () => (await mb('ps', '--format', '{{.Status}}')).stdout.match(/^Up .* \(health: starting\)\n$/), { what: 'health: starting' });
    expect((await mb('ps', '--filter', 'health=starting', '--format', '{{.Names}}')).stdout).toBe('later\n');
    expect((await inspectHealth('later'))).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
  });

  it('a foreground container is checked too (inspect from another process); without a check its monitor forks nothing', async () => {
    const loop = ['busybox', 'sh', '-c', 'while [ ! -f /tmp/stop ]; do sleep 0.1; done'];
    const fg = runInBackground(root, 'fg', ['--rm', '--network', 'none', '--health-cmd', 'echo fg-checked', ...hcFlags, ...loop]);
    const { id: fgId } = await fg.running();
    await waitStatus('fg', 'healthy');
    expect((await inspectHealth('fg'))!.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'fg-checked\n' });
    const hc = await mb('inspect', '-f', '{{json .Config.Healthcheck}}', 'fg');
    expect(JSON.parse(hc.stdout)).toEqual({ Test: ['CMD-SHELL', 'echo fg-checked'], Interval: 200_000_000, Retries: 2 });
    const shim = JSON.parse(readFileSync(path.join(root, 'containers', fgId, 'state.json'), 'utf8')).shimPid;
    const checkers = childrenOf(shim);
    expect(checkers).toHaveLength(2); // the container's init and the checker

    const plain = runInBackground(root, 'plain', ['--network', 'none', ...loop]);
    const { id } = await plain.running();
    expect(childrenOf(JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8')).shimPid)).toHaveLength(1);

    for (const name of ['fg', 'plain']) expect((await mb('exec', name, 'touch', '/tmp/stop')).code).toBe(0);
    expect((await fg.done).code).toBe(0);
    expect((await plain.done).code).toBe(0);
    expect(checkers.every((p) => !processAlive(p))).toBe(true); // no checker outlives its foreground monitor
    expect(existsSync(path.join(root, 'containers', fgId))).toBe(false); // --rm, its hostconfig.json with it
  });

  it('restart starts the checks over; rm -f leaves no checker behind', async () => {
    const id = (await mb('run', '-d', '--name', 'gone', '--health-cmd', 'true', ...hcFlags, 'busybox', 'sleep', '30')).stdout.trim();
    await waitStatus('gone', 'healthy');
    expect((await mb('restart', '-t', '1', 'gone')).code).toBe(0);
    await waitStatus('gone', 'healthy');
    const checkers = childrenOf(JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8')).shimPid);
    expect(checkers.length).toBeGreaterThan(0);
    expect((await mb('rm', '-f', 'gone')).code).toBe(0);
    await waitFor(() => checkers.every((p) => !processAlive(p)), { what: 'the checker to go' });
    expect(existsSync(path.join(root, 'containers', id))).toBe(false);
  });
});

/** Pids whose command line is exactly `cmdline` (NUL-separated). */
function processesRunning(cmdline: string): number[] {
  return readdirSync('/proc')
    .filter((x) => /^\d+$/.test(x))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8') === cmdline;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The pids whose parent is `pid` (the monitor's children: the container's init and the checker). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}
