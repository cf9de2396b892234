import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { runInBackground, stopBackgrounds } from '../helpers/background.js';

/** ps, inspect, top, rm, container prune — Docker's flags and output. */
let root: string;
let cleanup: () => void;
const mb = (args: string[]) => minibox(args, { root });

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await mb(['load', '-q', '-i', await ensureBusyboxLayout()])).code).toBe(0);
  await mb(['run', '--name', 'done0', 'busybox', 'true']);
  await mb(['run', '--name', 'done3', 'busybox', 'sh', '-c', 'exit 3']);
});

afterEach(stopBackgrounds);

afterAll(() => {
  cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('ps', () => {
  it('lists running containers by default and all with -a, newest first, Docker columns', async () => {
    const bg = runInBackground(root, 'live', ['busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.1; done']);
    const { id } = await bg.running();
    const ps = await mb(['ps']);
    const lines = ps.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(lines).toHaveLength(2);
    // Docker's COMMAND: the command cut to 20 characters, then Go-quoted (strconv.Quote), so the
    // inner quote shows as \"
    expect(lines[1]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sh -c 'trap \\\\"exit 0…"\\s+.+ ago\\s+Up .+\\s+live$`));
    const all = (await mb(['ps', '-a'])).stdout.trim().split('\n').slice(1);
    expect(all.map((l) => l.split(/\s+/).at(-1))).toEqual(['live', 'done3', 'done0']);
    expect(all[1]).toMatch(/Exited \(3\) .* ago/);
    expect((await mb(['ps', '-q'])).stdout).toBe(`${id.slice(0, 12)}\n`);
    expect((await mb(['ps', '-q', '--no-trunc'])).stdout).toBe(`${id}\n`);
    expect((await mb(['ps', '-a', '-f', 'name=done', '--format', '{{.Names}}'])).stdout).toBe('done3\ndone0\n');
    expect((await mb(['ps', '-f', 'status=exited', '--format', '{{.Names}} {{.Status}}'])).stdout).toMatch(/^done3 Exited \(3\).*\ndone0 Exited \(0\)/);
    expect((await mb(['ps', '--format', 'table {{.ID}}\\t{{.Names}}'])).stdout).toBe(`CONTAINER ID\tNAMES\n${id.slice(0, 12)}\tlive\n`);
  });
});

describe('inspect, top, rm, prune', () => {
  it('inspect gives Docker-shaped JSON and -f templates', async () => {
    const [v] = JSON.parse((await mb(['inspect', 'done3'])).stdout);
    expect(v).toMatchObject({ Name: '/done3', State: { Status: 'exited', Running: false, ExitCode: 3, OOMKilled: false }, Config: { Cmd: ['sh', '-c', 'exit 3'] } });
    expect(v.Id).toMatch(/^[0-9a-f]{64}$/);
    expect((await mb(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'done3'])).stdout).toBe('exited 3\n');
    const missing = await mb(['inspect', 'nope']);
    expect(missing).toMatchObject({ code: 1, stderr: 'minibox: No such container: nope\n' });
  });

  it('top lists the processes of a running container', async () => {
    const bg = runInBackground(root, 'topme', ['busybox', 'sh', '-c', 'sleep 1000 & trap "exit 0" TERM; while :; do sleep 0.1; done']);
    const { pid } = await bg.running();
    const top = await mb(['top', 'topme']);
    const lines = top.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    expect(lines.some((l) => new RegExp(`^root\\s+${pid}\\s+.*sh -c`).test(l))).toBe(true);
    expect(lines.some((l) => /sleep 1000$/.test(l))).toBe(true);
  });

  it('rm refuses a running container without -f, with the hint', async () => {
    const bg = runInBackground(root, 'busy', ['busybox', 'sleep', '1000']);
    await bg.running();
    const r = await mb(['rm', 'busy']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container is running: stop the container before removing or force remove');
    expect((await mb(['rm', '-f', 'busy'])).code).toBe(0);
    expect((await bg.done).code).toBe(137);
  });

  it('container prune -f removes every stopped container', async () => {
    const r = await mb(['container', 'prune', '-f']);
    expect(r.stdout).toMatch(/^Deleted Containers:\n([0-9a-f]{64}\n)+\nTotal reclaimed space: 0B\n$/);
    expect((await mb(['ps', '-a', '-q'])).stdout).toBe('');
  });
});
