import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { MINIBOX_BIN, REPO, makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { mbAsNobody } from '../helpers/unprivileged.js';

/** `minibox run` in the foreground, on the offline busybox image, as a user sees it. */
let root: string;
let cleanup: () => void;
const run = (args: string[], input?: string) => minibox(['run', ...args], { root, ...(input !== undefined ? { input } : {}) });

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  const loaded = await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root });
  expect(loaded.stderr).toBe('');
  expect(loaded.code).toBe(0);
});

afterAll(() => {
  cleanup();
  expect(leakcheck()).toEqual([]);
});

function containerCount(): number {
  const dir = path.join(root, 'containers');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

function containerIdByName(name: string): string {
  for (const id of readdirSync(path.join(root, 'containers'))) {
    const state = JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8'));
    if (state.name === name) return id;
  }
  throw new Error(`no container named ${name}`);
}

describe('exit codes like Docker', () => {
  it('prints the command output and exits 0', async () => {
    const r = await run(['--rm', 'busybox', 'echo', 'hello']);
    expect(r).toMatchObject({ code: 0, stdout: 'hello\n', stderr: '' });
  });

  it("exits with the container's status", async () => {
    expect((await run(['--rm', 'busybox', 'sh', '-c', 'exit 3'])).code).toBe(3);
  });

  it('exits 127 with a one-line message when the command is not found', async () => {
    const r = await run(['--rm', 'busybox', 'no-such-command']);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('minibox: exec: "no-such-command": executable file not found in $PATH\n');
  });

  it('exits 126 when the command cannot be invoked', async () => {
    const r = await run(['--rm', 'busybox', '/etc/passwd']);
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(/^minibox: exec: "\/etc\/passwd": permission denied\n$/);
  });

  it('exits 128+n when the container is killed by signal n', async () => {
    // PID 1 is immune to signals from inside its namespace, so kill it from the host
    const pending = run(['--name', 'victim', 'busybox', 'sleep', '30']);
    let pid = 0;
    for (let i = 0; i < 500 && !pid; i++) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        pid = JSON.parse(readFileSync(path.join(root, 'containers', containerIdByName('victim'), 'state.json'), 'utf8')).pid;
      } catch {
        // not created yet
      }
    }
    process.kill(pid, 'SIGKILL');
    expect((await pending).code).toBe(137);
  });

  it('exits 125 with one line for an unknown image, and records nothing', async () => {
    const before = containerCount();
    // --pull never: tests never reach for Docker Hub (no traffic beyond this machine)
    const r = await run(['--rm', '--pull', 'never', 'no-such-image']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('No such image: no-such-image:latest');
    expect(containerCount()).toBe(before);
  });

  it('exits 125 with a one-line message for an unknown flag', async () => {
    const r = await run(['--no-such-flag', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
  });
});

describe('inside the container', () => {
  it('the command is PID 1 and ps sees only the container', async () => {
    const r = await run(['--rm', 'busybox', 'sh', '-c', 'echo $$; ps -o pid,comm; true']);
    const [pid, header, ...procs] = r.stdout.trim().split('\n');
    expect(pid).toBe('1');
    expect(header).toMatch(/PID\s+COMMAND/);
    expect(procs.map((l) => l.trim().split(/\s+/))).toEqual([
      ['1', 'sh'],
      [expect.any(String), 'ps'],
    ]);
  });

  it("has the container's hostname: -h, else the short id", async () => {
    expect((await run(['--rm', '-h', 'lab', 'busybox', 'hostname'])).stdout).toBe('lab\n');
    const r = await run(['--name', 'hn', 'busybox', 'hostname']);
    expect(r.stdout).toBe(`${containerIdByName('hn').slice(0, 12)}\n`);
  });

  it('has only lo in its network namespace with --network none, and it is up', async () => {
    const r = await run(['--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ip -o link; echo ---; tail -n +3 /proc/net/dev']);
    const [links, devs] = r.stdout.split('---\n');
    expect(links?.trim().split('\n')).toHaveLength(1);
    expect(links).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(devs?.trim().split('\n').map((l) => l.trim().split(':')[0])).toEqual(['lo']);
  });

  it("/ is the overlay and the host's files are out of reach", async () => {
    const hostFile = path.join(REPO, 'package.json');
    const r = await run(['--rm', 'busybox', 'sh', '-c', `grep ' / ' /proc/mounts; test -e ${hostFile} && echo LEAK; ls /`]);
    expect(r.stdout).toMatch(/^overlay \/ overlay /);
    expect(r.stdout).not.toContain('LEAK');
    expect(r.stdout).not.toContain('.oldroot');
  });

  it('has /dev, /dev/pts, /dev/shm, a read-only /sys and /proc', async () => {
    const script = 'ls /dev; echo ---; grep -E " /(dev/pts|dev/shm|sys|proc) " /proc/mounts; echo x > /dev/null && echo devnull-ok';
    const r = await run(['--rm', 'busybox', 'sh', '-c', script]);
    const [devs = '', mounts = ''] = r.stdout.split('---\n');
    for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'ptmx', 'fd', 'stdin', 'stdout', 'stderr']) {
      expect(devs.split('\n')).toContain(d);
    }
    expect(mounts).toMatch(/^devpts \/dev\/pts devpts /m);
    expect(mounts).toMatch(/^\S+ \/dev\/shm tmpfs /m);
    expect(mounts).toMatch(/^sysfs \/sys sysfs ro,/m);
    expect(mounts).toMatch(/^proc \/proc proc /m);
    expect(r.stdout).toContain('devnull-ok');
  });

  it("writes land in the container's upper dir, never in the shared snapshot", async () => {
    const r = await run(['--name', 'writer', 'busybox', 'sh', '-c', 'echo data > /written.txt; rm /bin/true']);
    expect(r.code).toBe(0);
    const id = containerIdByName('writer');
    expect(readFileSync(path.join(root, 'containers', id, 'upper', 'written.txt'), 'utf8')).toBe('data\n');
    for (const snap of readdirSync(path.join(root, 'snapshots'))) {
      expect(existsSync(path.join(root, 'snapshots', snap, 'written.txt'))).toBe(false);
      expect(lstatSync(path.join(root, 'snapshots', snap, 'bin', 'true')).isSymbolicLink()).toBe(true);
    }
  });

  it('two containers of one image share the same lower snapshot', async () => {
    const lower = async () => {
      const r = await run(['--rm', 'busybox', 'sh', '-c', "grep ' / ' /proc/mounts"]);
      return /lowerdir=([^,]+)/.exec(r.stdout)?.[1];
    };
    const [a, b] = await Promise.all([lower(), lower()]);
    expect(a).toBeDefined();
    expect(a).toBe(b);
    expect(path.dirname(a ?? '')).toBe(path.join(root, 'snapshots'));
  });
});

describe('state', () => {
  it('--rm leaves no container record; without it the record shows the exit', async () => {
    const before = containerCount();
    await run(['--rm', 'busybox', 'true']);
    expect(containerCount()).toBe(before);
    await run(['--name', 'kept', 'busybox', 'sh', '-c', 'exit 5']);
    const dir = path.join(root, 'containers', containerIdByName('kept'));
    expect(JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'))).toMatchObject({ status: 'exited', exitCode: 5 });
    const spec = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(spec).toMatchObject({ ociVersion: expect.any(String), process: { args: ['sh', '-c', 'exit 5'] }, root: { path: 'rootfs' } });
  });

  it('a name in use is a conflict and creates nothing', async () => {
    await run(['--name', 'taken', 'busybox', 'true']);
    const before = containerCount();
    const r = await run(['--name', 'taken', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('The container name "/taken" is already in use');
    expect(containerCount()).toBe(before);
  });
});

describe('concurrency', () => {
  it('eight runs racing for one name: exactly one wins, the store stays consistent', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => run(['--name', 'race', 'busybox', 'true'])));
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    for (const r of results.filter((x) => x.code !== 0)) expect(r.stderr).toContain('The container name "/race" is already in use');
    const states = readdirSync(path.join(root, 'containers')).map((id) => JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8')));
    expect(states.filter((s) => s.name === 'race')).toHaveLength(1);
    expect(readdirSync(path.join(root, 'locks')).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });
});

describe('stdin and signals', () => {
  it('passes stdin with -i, and gives /dev/null without it', async () => {
    expect((await run(['--rm', '-i', 'busybox', 'cat'], 'piped\n')).stdout).toBe('piped\n');
    expect((await run(['--rm', 'busybox', 'cat'], 'piped\n')).stdout).toBe('');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} sent to minibox reaches the container's process`, async () => {
      const trap = signal.slice(3);
      const child = spawn(process.execPath, [MINIBOX_BIN, 'run', '--rm', 'busybox', 'sh', '-c',
        `trap "echo got ${trap}; exit 7" ${trap}; echo ready; while true; do sleep 0.1; done`], {
        env: { ...process.env, MINIBOX_ROOT: root },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('ready') && !child.killed) child.kill(signal);
        });
        child.on('close', resolve);
      });
      expect(out).toContain(`got ${trap}`);
      expect(code).toBe(7);
    });
  }
});

describe('permissions', () => {
  it('refuses to run as non-root with a clear message and exit 125', async () => {
    // as nobody, with the checkout bind-mounted where nobody can reach it (it may sit under a 0700 /root)
    const r = await mbAsNobody(['run', '--rm', 'busybox', 'true'], { root });
    expect(r.stderr).toBe("minibox: minibox must run as root (namespaces, mounts and cgroups need it); try: sudo minibox ...\n");
    expect(r.code).toBe(125);
  });
});
