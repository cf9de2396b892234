import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { runInBackground, stopBackgrounds } from '../helpers/background.js';
import { cgroupExists, cgroupFile, cpuUsageNs, isV2 } from '../helpers/cgroup-paths.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Resource limits through cgroups, checked against the kernel's own counters. Runs on the
 * host's hierarchy (v1 on a hybrid host) and, in the VM lane, on a pure v2 one.
 */
let root: string;
let cleanup: () => void;
// --network none: these tests are about cgroups; the v2 guest has no netfilter for a bridge
const run = (args: string[]) => minibox(['run', '--network', 'none', ...args], { root, timeoutMs: 60_000 });

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root })).code).toBe(0);
});

afterEach(stopBackgrounds);

afterAll(() => {
  cleanup();
  expect(leakcheck()).toEqual([]);
});

describe(`cgroup limits (${isV2 ? 'v2' : 'v1'} hierarchy)`, () => {
  it('--memory 64m: allocating 200 MB is OOM-killed, exit 137, OOMKilled true', async () => {
    const r = await run(['--name', 'oom', '-m', '64m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=200M', 'count=1']);
    expect(r.code).toBe(137);
    const [view] = JSON.parse((await minibox(['inspect', 'oom'], { root })).stdout);
    expect(view.State).toMatchObject({ OOMKilled: true, ExitCode: 137, Status: 'exited' });
    await minibox(['rm', 'oom'], { root });
  });

  it('--cpus 0.5: a busy loop gets 40-60% of one CPU, by the cgroup usage counter', async () => {
    const bg = runInBackground(root, 'busy', ['--network', 'none', '--rm', '--cpus', '0.5', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do :; done']);
    const { id } = await bg.running();
    // the loop is spinning once the cgroup counts CPU time; then time how long the container
    // takes to use one full CPU-second: ~2 s of wall time at 0.5 CPU, 1 s without a limit
    await waitFor(() => cpuUsageNs(id) > 20e6, { what: 'the busy loop to use CPU' });
    const sample = () => ({ t: process.hrtime.bigint(), u: cpuUsageNs(id) });
    const s0 = sample();
    const s1 = await waitFor(() => { const s = sample(); return s.u - s0.u >= 1e9 ? s : undefined; }, { interval: 10, what: '1 s of CPU time' });
    const share = (s1.u - s0.u) / Number(s1.t - s0.t);
    bg.child.kill('SIGTERM');
    expect((await bg.done).code).toBe(0);
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
  });

  it('--pids-limit 20 contains a fork bomb; the host is unaffected and the container removable', async () => {
    // the bomb runs in a subshell (a failed fork ends it); PID 1 then execs, needing no fork
    const bomb = '(while :; do sleep 30 & done) 2>/dev/null; exec sleep 30';
    const bg = runInBackground(root, 'bomb', ['--network', 'none', '--pids-limit', '20', 'busybox', 'sh', '-c', bomb]);
    const { id } = await bg.running();
    let current = 0;
    for (let i = 0; i < 200 && current < 19; i++) {
      await new Promise((r) => setTimeout(r, 20));
      current = Number(readFileSync(cgroupFile(id, 'pids.current', 'pids', 'pids.current'), 'utf8'));
    }
    expect(current).toBeGreaterThanOrEqual(15); // the bomb reached the limit (some sleeps may be reaped meanwhile)
    expect(current).toBeLessThanOrEqual(20);
    expect(readFileSync(cgroupFile(id, 'pids.max', 'pids', 'pids.max'), 'utf8').trim()).toBe('20');
    const host = await run(['--rm', 'busybox', 'echo', 'host fine']);
    expect(host.stdout).toBe('host fine\n');
    expect((await minibox(['rm', '-f', 'bomb'], { root })).code).toBe(0);
    await bg.done;
    expect(cgroupExists(id)).toBe(false);
  });

  it("limits are visible inside the container in its own read-only /sys/fs/cgroup", async () => {
    const files = isV2 ? 'memory.max pids.max' : 'memory/memory.limit_in_bytes pids/pids.max';
    const r = await run(['--rm', '-m', '64m', '--pids-limit', '33', 'busybox', 'sh', '-c',
      `cd /sys/fs/cgroup && cat ${files} && grep -c . /proc/self/cgroup >/dev/null && touch x 2>&1`]);
    expect(r.stdout).toBe(`${64 * 1024 * 1024}\n33\ntouch: x: Read-only file system\n`);
    // the cgroup namespace: the container sees its own cgroup as the root
    const cg = await run(['--rm', 'busybox', 'cat', '/proc/self/cgroup']);
    for (const line of cg.stdout.trim().split('\n')) expect(line).toMatch(/:\/$/);
  });

  it('update -m changes the limit of a running container, and stats shows it', async () => {
    const bg = runInBackground(root, 'upd', ['--network', 'none', '--rm', '-m', '64m', 'busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
    const { id } = await bg.running();
    const limitFile = cgroupFile(id, 'memory.max', 'memory', 'memory.limit_in_bytes');
    expect(Number(readFileSync(limitFile, 'utf8'))).toBe(64 * 1024 * 1024);
    const u = await minibox(['update', '-m', '128m', '--memory-swap', '256m', 'upd'], { root });
    expect(u).toMatchObject({ code: 0, stdout: 'upd\n' });
    expect(Number(readFileSync(limitFile, 'utf8'))).toBe(128 * 1024 * 1024);
    const stats = await minibox(['stats', '--no-stream', 'upd'], { root });
    expect(stats.stdout).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS\n/);
    expect(stats.stdout).toMatch(new RegExp(`${id.slice(0, 12)}\\s+upd\\s+\\d+\\.\\d+%\\s+\\S+ / 128MiB\\s+\\d+\\.\\d+%\\s+0B / 0B\\s+\\S+ / \\S+\\s+\\d+\\n`));
    const fmt = await minibox(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', 'upd'], { root });
    expect(fmt.stdout).toMatch(/^upd \S+ \/ 128MiB\n$/);
    bg.child.kill('SIGTERM');
    await bg.done;
  });
});

describe('bad resource flags: Docker wording, exit 125, no cgroup left', () => {
  const cases: Array<[string[], string]> = [
    [['-m', '12q'], `invalid argument "12q" for "-m, --memory" flag: invalid size: '12q'`],
    [['-m', '1k'], 'Minimum memory limit allowed is 6MB'],
    [['--cpus', '64'], 'Range of CPUs is from 0.01 to'],
    [['--cpuset-cpus', '0-63'], 'Requested CPUs are not available - requested 0-63'],
    [['-m', '64m', '--memory-swap', '32m'], 'Minimum memoryswap limit should be larger than memory limit'],
  ];
  for (const [flags, message] of cases) {
    it(`${flags.join(' ')}`, async () => {
      const r = await run(['--rm', ...flags, 'busybox', 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(leakcheck().filter((l) => l.startsWith('cgroup'))).toEqual([]);
    });
  }
});
