import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MINIBOX_BIN, makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';

/** `run`'s process options (-u, --group-add, --ulimit ...) on the offline busybox image. */
let root: string;
let cleanup: () => void;
const run = (args: string[]) => minibox(['run', '--rm', ...args], { root });

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  const loaded = await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root });
  expect(loaded.code).toBe(0);
});

let files: string;
beforeAll(() => {
  files = mkdtempSync(path.join(tmpdir(), 'mb-procopts-'));
});

afterAll(() => {
  rmSync(files, { recursive: true, force: true });
  cleanup();
  expect(leakcheck()).toEqual([]);
});

function containerCount(): number {
  const dir = path.join(root, 'containers');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

/** The "Uid:", "Gid:" and "Groups:" lines of the container process's /proc/self/status. */
async function ids(args: string[]): Promise<{ uid: string; gid: string; groups: string; home: string }> {
  const r = await run([...args, 'busybox', 'sh', '-c', 'grep -E "^(Uid|Gid|Groups):" /proc/self/status; echo "HOME: $HOME"']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const field = (name: string) => (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(r.stdout)?.[1] ?? '').trim();
  return { uid: field('Uid').split(/\s+/)[0] ?? '', gid: field('Gid').split(/\s+/)[0] ?? '', groups: field('Groups'), home: field('HOME') };
}

describe('-u/--user and --group-add', () => {
  it('-u nobody runs as 65534 with its groups and home', async () => {
    expect(await ids(['-u', 'nobody'])).toEqual({ uid: '65534', gid: '65534', groups: '65534', home: '/home' });
  });

  it('-u 1000:1000 needs no passwd entry', async () => {
    expect(await ids(['--user', '1000:1000'])).toEqual({ uid: '1000', gid: '1000', groups: '1000', home: '/' });
  });

  it('--group-add adds groups by name and by gid', async () => {
    const got = await ids(['-u', 'nobody', '--group-add', 'root', '--group-add', '4242']);
    expect(got.groups.split(/\s+/).sort()).toEqual(['0', '4242', '65534']);
  });

  it('an unknown user fails like Docker, exit 125, leaving no container', async () => {
    const before = containerCount();
    const r = await minibox(['run', '-u', 'nosuchuser', 'busybox', 'true'], { root });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unable to find user nosuchuser: no matching entries in passwd file/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(containerCount()).toBe(before);
  });

  it("exec runs with the container's user, its groups and --group-add (-u or not), as Docker's exec", async () => {
    const id = (await minibox(['run', '-d', '-u', 'nobody', '--group-add', '1234', 'busybox', 'sleep', '30'], { root })).stdout.trim();
    try {
      const asContainer = await minibox(['exec', id, 'id', '-G'], { root });
      expect(asContainer.stderr).toBe('');
      expect(asContainer.stdout.trim().split(/\s+/).sort()).toEqual(['1234', '65534']);
      const asRoot = await minibox(['exec', '-u', 'root', id, 'id', '-G'], { root });
      expect(asRoot.stdout.trim().split(/\s+/)).toContain('1234');
      expect(asRoot.stdout.trim().split(/\s+/)).toContain('0');
    } finally {
      await minibox(['rm', '-f', id], { root });
    }
  });

  it('an unknown --group-add group fails like Docker', async () => {
    const r = await run(['--group-add', 'nosuchgroup', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unable to find group nosuchgroup: no matching entries in group file/);
  });
});

/** soft and hard "Max open files" of the container's process. */
async function nofile(args: string[]): Promise<string[]> {
  const r = await run([...args, 'busybox', 'sh', '-c', 'grep "Max open files" /proc/self/limits']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.replace('Max open files', '').trim().split(/\s+/).slice(0, 2);
}

function hostNofileHard(): string {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files')) ?? '';
  return line.replace('Max open files', '').trim().split(/\s+/)[1] ?? '';
}

describe('--ulimit', () => {
  it('--ulimit nofile=1024:2048 is what the process sees', async () => {
    expect(await nofile(['--ulimit', 'nofile=1024:2048'])).toEqual(['1024', '2048']);
  });

  it('the default nofile is Docker\'s 1048576, clamped to the host\'s hard limit', async () => {
    const hard = hostNofileHard();
    const want = hard === 'unlimited' ? '1048576' : String(Math.min(1048576, Number(hard)));
    expect(await nofile([])).toEqual([want, want]);
  });

  it('other limits: nproc and core', async () => {
    const r = await run(['--ulimit', 'nproc=100:200', '--ulimit', 'core=0', 'busybox', 'sh', '-c', 'grep -E "Max (processes|core file size)" /proc/self/limits']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Max core file size\s+0\s+0\s/);
    expect(r.stdout).toMatch(/Max processes\s+100\s+200\s/);
  });

  it.each([
    ['nofiles=1', 'invalid ulimit type: nofiles'],
    ['nofile', 'invalid ulimit argument: nofile'],
    ['nofile=abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['nofile=10:5', 'ulimit soft limit must be less than or equal to hard limit: 10 > 5'],
  ])('--ulimit %s is refused with Docker\'s wording, nothing made', async (value, why) => {
    const before = containerCount();
    const r = await minibox(['run', '--ulimit', value, 'busybox', 'true'], { root });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`invalid argument "${value}" for "--ulimit" flag: ${why}`);
    expect(containerCount()).toBe(before);
  });
});

describe('--env-file', () => {
  it('reads KEY=VAL lines as is, skips comments, takes a bare KEY from the caller, -e wins', async () => {
    const f = path.join(files, 'app.env');
    writeFileSync(f, '# settings\nA=1\nB="two words"\nC=from-file\nMB_TEST_HOSTVAR\nMB_TEST_UNSET\n');
    const r = await minibox(['run', '--rm', '--env-file', f, '-e', 'C=from-flag', 'busybox', 'sh', '-c', 'echo "$A|$B|$C|$MB_TEST_HOSTVAR|${MB_TEST_UNSET-unset}"'], {
      root,
      env: { MB_TEST_HOSTVAR: 'host' },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1|"two words"|from-flag|host|unset\n');
  });
  it('a missing file is minibox\'s one-line error (bin/minibox runs `node --` so Node 20 leaves the flag alone)', async () => {
    const r = await minibox(['run', '--rm', '--env-file', path.join(files, 'nope.env'), 'busybox', 'true'], { root });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/nope\.env: no such file or directory/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await minibox(['ps', '-aq'], { root })).stdout).toBe('');
  });
  it('the installed command (the shebang) passes --env-file to minibox too', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(MINIBOX_BIN, ['run', '--rm', '--env-file', path.join(files, 'nope.env'), 'busybox', 'true'], {
      env: { ...process.env, MINIBOX_ROOT: root },
      encoding: 'utf8',
    });
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/nope\.env: no such file or directory/);
  });
});

describe('--label, -l, --label-file', () => {
  it('are shown by inspect and filter ps', async () => {
    const f = path.join(files, 'labels');
    writeFileSync(f, '# labels\ntier=file\nowner=ops\n');
    const made = await minibox(['run', '--name', 'labelled', '--label-file', f, '-l', 'tier=web', '--label', 'flag', 'busybox', 'true'], { root });
    expect(made.code).toBe(0);
    const other = await minibox(['run', '--name', 'unlabelled', 'busybox', 'true'], { root });
    expect(other.code).toBe(0);
    try {
      const inspected = await minibox(['inspect', '-f', '{{json .Config.Labels}}', 'labelled'], { root });
      expect(JSON.parse(inspected.stdout)).toEqual({ tier: 'web', owner: 'ops', flag: '' });
      const names = async (filter: string) =>
        (await minibox(['ps', '-a', '--filter', filter, '--format', '{{.Names}}'], { root })).stdout.trim().split('\n').filter(Boolean);
      expect(await names('label=tier')).toEqual(['labelled']);
      expect(await names('label=tier=web')).toEqual(['labelled']);
      expect(await names('label=tier=db')).toEqual([]);
      expect(await names('label=flag')).toEqual(['labelled']);
    } finally {
      await minibox(['rm', 'labelled', 'unlabelled'], { root });
    }
  });
});

describe('--init', () => {
  const states = async (id: string) => (await minibox(['exec', id, 'ps', '-o', 'stat'], { root })).stdout.split('\n').slice(1).map((s) => s.trim()).filter(Boolean);
  const orphanMaker = ['busybox', 'sh', '-c', '(sleep 0.1 &); exec sleep 30']; // the orphan's reaper is PID 1

  it('reaps an orphaned zombie (which a plain PID 1 leaves), PID 1 being the sealed copy, not the host binary', async () => {
    const withInit = (await minibox(['run', '-d', '--init', ...orphanMaker], { root })).stdout.trim();
    const without = (await minibox(['run', '-d', ...orphanMaker], { root })).stdout.trim();
    try {
      await new Promise((r) => setTimeout(r, 700));
      expect(await states(without)).toContain('Z'); // the test can fail: no init, a zombie
      expect(await states(withInit)).not.toContain('Z');
      const exe = await minibox(['exec', withInit, 'readlink', '/proc/1/exe'], { root });
      expect(exe.stdout).toMatch(/^\/memfd:/);
      const environ = await minibox(['exec', withInit, 'cat', '/proc/1/environ'], { root });
      expect(environ.stdout).toBe(''); // the host's environment does not show in the container
      const inspected = await minibox(['inspect', '-f', '{{.HostConfig.Init}}', withInit], { root });
      expect(inspected.stdout.trim()).toBe('true');
    } finally {
      await minibox(['rm', '-f', withInit, without], { root });
    }
  });

  it('forwards SIGTERM: stop is quick and the exit is 143', async () => {
    const id = (await minibox(['run', '-d', '--init', 'busybox', 'sleep', '60'], { root })).stdout.trim();
    try {
      const t0 = Date.now();
      expect((await minibox(['stop', id], { root })).code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000); // sleep as PID 1 would ignore it until the 10 s kill
      const exit = await minibox(['inspect', '-f', '{{.State.ExitCode}}', id], { root });
      expect(exit.stdout.trim()).toBe('143');
    } finally {
      await minibox(['rm', '-f', id], { root });
    }
  });

  it('passes the command\'s exit status through, as the user', async () => {
    const r = await run(['--init', '-u', 'nobody', 'busybox', 'sh', '-c', 'id -u; exit 3']);
    expect(r.stdout).toBe('65534\n');
    expect(r.code).toBe(3);
  });
});

describe('--stop-signal and --stop-timeout', () => {
  it('--stop-signal is what stop sends (sh as PID 1 ignores TERM but dies of USR1)', async () => {
    const id = (await minibox(['run', '-d', '--stop-signal', 'SIGUSR1', 'busybox', 'sh', '-c', 'trap "exit 7" USR1; while :; do sleep 0.1; done'], { root })).stdout.trim();
    try {
      const t0 = Date.now();
      expect((await minibox(['stop', id], { root })).code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await minibox(['inspect', '-f', '{{.State.ExitCode}}', id], { root })).stdout.trim()).toBe('7');
    } finally {
      await minibox(['rm', '-f', id], { root });
    }
  });

  it('--stop-timeout is stop\'s wait before SIGKILL', async () => {
    const id = (await minibox(['run', '-d', '--stop-timeout', '1', 'busybox', 'sleep', '60'], { root })).stdout.trim();
    try {
      const t0 = Date.now();
      expect((await minibox(['stop', id], { root })).code).toBe(0);
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(900); // sleep as PID 1 ignores SIGTERM: killed after 1 s, not 10
      expect(took).toBeLessThan(5000);
      expect((await minibox(['inspect', '-f', '{{.State.ExitCode}}', id], { root })).stdout.trim()).toBe('137');
    } finally {
      await minibox(['rm', '-f', id], { root });
    }
  });

  it.each([
    [['--stop-signal', 'SIGNOPE'], 'Invalid signal: SIGNOPE'],
    [['--stop-timeout', 'soon'], 'strconv.ParseInt: parsing "soon": invalid syntax'],
  ])('bad %j: exit 125, nothing made', async (flags, why) => {
    const before = containerCount();
    const r = await minibox(['run', ...flags, 'busybox', 'true'], { root });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(why);
    expect(containerCount()).toBe(before);
  });
});

describe('inspect shows the process options', () => {
  it("HostConfig and Config fields in Docker's shapes, through --format too", async () => {
    const flags = ['-u', 'nobody', '--group-add', '1234', '--ulimit', 'nofile=1024:2048', '--init', '--stop-signal', 'SIGUSR1', '--stop-timeout', '3', '--shm-size', '128m', '--sysctl', 'kernel.shmmni=1234'];
    expect((await minibox(['run', '--name', 'shown', ...flags, 'busybox', 'true'], { root })).code).toBe(0);
    const plain = (await minibox(['run', '-d', 'busybox', 'true'], { root })).stdout.trim();
    try {
      const [v] = JSON.parse((await minibox(['inspect', 'shown'], { root })).stdout);
      expect(v.HostConfig).toMatchObject({
        GroupAdd: ['1234'],
        Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
        Init: true,
        ShmSize: 134217728,
        Sysctls: { 'kernel.shmmni': '1234' },
        ReadonlyRootfs: false,
      });
      expect(v.Config).toMatchObject({ User: 'nobody', StopSignal: 'SIGUSR1', StopTimeout: 3 });
      const f = await minibox(['inspect', '-f', '{{.HostConfig.ShmSize}} {{.Config.StopTimeout}} {{json .HostConfig.Sysctls}}', 'shown', plain], { root });
      expect(f.stdout).toBe('134217728 3 {"kernel.shmmni":"1234"}\n67108864 <no value> null\n');
    } finally {
      await minibox(['rm', '-f', 'shown', plain], { root });
    }
  });
});

describe('--shm-size and --sysctl', () => {
  it('--shm-size sets /dev/shm\'s size (default 64 MiB)', async () => {
    const size = async (flags: string[]) => (await run([...flags, 'busybox', 'sh', '-c', "df -k /dev/shm | awk 'NR==2 {print $2}'"])).stdout.trim();
    expect(await size(['--shm-size', '128m'])).toBe(String(128 * 1024));
    expect(await size([])).toBe(String(64 * 1024));
  });

  it('--sysctl writes namespaced sysctls inside the container, the host\'s untouched', async () => {
    const hostShmmni = readFileSync('/proc/sys/kernel/shmmni', 'utf8');
    const r = await run(['--sysctl', 'kernel.shmmni=1234', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'cat', '/proc/sys/kernel/shmmni', '/proc/sys/net/ipv4/ip_forward']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1234\n1\n');
    expect(readFileSync('/proc/sys/kernel/shmmni', 'utf8')).toBe(hostShmmni);
  });

  it.each([
    [['--sysctl', 'kernel.hostname=x'], "sysctl 'kernel.hostname=x' is not whitelisted"],
    [['--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1'], 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace'],
    [['--shm-size', 'big'], "invalid size: 'big'"],
  ])('bad %j: exit 125, nothing made', async (flags, why) => {
    const before = containerCount();
    const r = await minibox(['run', ...flags, 'busybox', 'true'], { root });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(why);
    expect(containerCount()).toBe(before);
  });
});
