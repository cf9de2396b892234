import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { MINIBOX_BIN, makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { removeAll } from '../helpers/detached.js';
import { buildImage } from '../helpers/oci-builder.js';
import { waitFor } from '../helpers/wait.js';

/**
 * No way back to the host: exec closes every inherited fd above stdio (a host fd left open by
 * the caller is neither readable nor usable as the cwd, CVE-2024-21626), the exec shim is a sealed memfd
 * copy rather than the host binary while it sits in the container's namespaces
 * (CVE-2019-5736), and users (image USER, -u) are resolved in the container's own
 * /etc/passwd and /etc/group, never following a link onto the host's, never hanging on a FIFO.
 */
let root: string;
let cleanup: () => void;
const layouts: string[] = [];
const mb = (...args: string[]) => minibox(args, { root });

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\nstaff:x:2345:\nextra:x:3000:other,app\nnogroup:x:65534:\n';

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await mb('load', '-q', '-i', await ensureBusyboxLayout())).code).toBe(0);
  const etc = [
    { path: 'etc/passwd', type: 'file' as const, content: PASSWD },
    { path: 'etc/group', type: 'file' as const, content: GROUP },
  ];
  for (const [name, user] of [['named', 'app'], ['numeric', '1000:1000'], ['unknown', 'nobody2']] as const) {
    const img = await buildImage({ name: `docker.io/library/user-${name}:latest`, base: 'busybox', config: { User: user, Cmd: ['id'] }, layers: [etc] });
    layouts.push(img.layoutDir);
    expect((await mb('load', '-q', '-i', img.layoutDir)).code).toBe(0);
  }
});
afterEach(async () => removeAll(root));
afterAll(() => {
  cleanup();
  for (const l of layouts) rmSync(l, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
});

/**
 * The fd a caller leaves open, as `exec N</etc/shadow` in a shell would. Not 7: Node marks the
 * low fds it inherits close-on-exec itself (measured: 3-19 never reach the shim), so 7 could
 * never show a leak; from about 20 up they are passed on to whatever Node spawns.
 */
const LEAK = 30;

/** The CLI with a host file or directory open on fd LEAK. */
function withLeakedFd(hostPath: string, args: string[], onSpawn?: (cliPid: number) => Promise<void>): Promise<Result> {
  const fd = openSync(hostPath, 'r');
  const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe', ...Array<'ignore'>(LEAK - 3).fill('ignore'), fd];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MINIBOX_BIN, ...args], { env: { ...process.env, MINIBOX_ROOT: root }, stdio });
    closeSync(fd);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    const spied = onSpawn?.(child.pid ?? 0).catch(reject);
    child.on('close', async (code) => {
      await spied;
      resolve({ code: code ?? 255, stdout, stderr });
    });
  });
}

/** The shim (comm minibox-shim) the CLI `pid` spawned: its direct child, not the shim's own fork. */
function shimsUnder(pid: number): number[] {
  return safeList(`/proc/${pid}/task`)
    .flatMap((task) => safeRead(`/proc/${pid}/task/${task}/children`).split(' ').filter(Boolean).map(Number))
    .filter((c) => safeRead(`/proc/${c}/comm`).trim() === 'minibox-shim');
}
const safeRead = (f: string) => {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
};
const safeLink = (f: string) => {
  try {
    return readlinkSync(f);
  } catch {
    return '';
  }
};
const safeList = (d: string) => {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
};

it("exec: a host fd inherited above stdio is closed: not readable, not usable as cwd; the shim is a sealed copy, not the host's binary", async () => {
  await mb('run', '-d', '--name', 'fd', 'busybox', 'sleep', '60');
  let shimExe = '';
  let shimFd = '';
  const r = await withLeakedFd('/etc/shadow', ['exec', 'fd', 'sh', '-c', `ls /proc/self/fd; cat /proc/self/fd/${LEAK}; sleep 1`], async (cli) => {
    // seen from the host while the exec runs: once the shim is in the container's mount
    // namespace, it runs from a memfd, and it did receive the fd (so the test can fail)
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    const shim = await waitFor(() => shimsUnder(cli).find((p) => safeLink(`/proc/${p}/ns/mnt`) !== hostMnt), { what: 'the exec shim in the container' });
    shimExe = readlinkSync(`/proc/${shim}/exe`);
    shimFd = readlinkSync(`/proc/${shim}/fd/${LEAK}`);
  });
  expect(shimFd).toBe('/etc/shadow');
  expect(shimExe).toMatch(/^\/memfd:minibox-shim/);
  expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['0', '1', '2', '3']); // 3: ls's own dir fd
  expect(r.stderr).toContain(`can't open '/proc/self/fd/${LEAK}'`);
  expect(r.stdout + r.stderr).not.toMatch(/root:[^:]*:\d+:/); // no line of the host's shadow
  const cwd = await withLeakedFd('/etc', ['exec', '-w', `/proc/self/fd/${LEAK}`, 'fd', 'ls']);
  expect(cwd.code).not.toBe(0);
  expect(cwd.stdout).toBe('');
});

it('run: the same fd is closed before the cwd is entered', async () => {
  const r = await withLeakedFd('/etc/shadow', ['run', '--rm', 'busybox', 'sh', '-c', `ls /proc/self/fd; cat /proc/self/fd/${LEAK}`]);
  expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['0', '1', '2', '3']);
  expect(r.stdout).not.toMatch(/root:/);
  const cwd = await withLeakedFd('/etc', ['run', '--rm', '-w', `/proc/self/fd/${LEAK}`, 'busybox', 'ls']);
  expect(cwd.code).toBe(125);
  expect(cwd.stdout).toBe('');
});

it("run honours the image's USER: name (groups and HOME from the image's files), numbers, unknown names", async () => {
  expect(await mb('run', '--rm', 'user-named')).toMatchObject({ code: 0, stdout: 'uid=1234(app) gid=2345(staff) groups=2345(staff),3000(extra)\n' });
  expect((await mb('run', '--rm', 'user-named', 'sh', '-c', 'echo $HOME')).stdout).toBe('/home/app\n');
  expect((await mb('run', '--rm', '-e', 'HOME=/x', 'user-named', 'sh', '-c', 'echo $HOME')).stdout).toBe('/x\n');
  expect((await mb('run', '--rm', 'busybox', 'sh', '-c', 'echo $HOME; id -u')).stdout).toBe('/root\n0\n');
  expect(await mb('run', '--rm', 'user-numeric')).toMatchObject({ code: 0, stdout: 'uid=1000 gid=1000 groups=1000\n' });
  const bad = await mb('run', '--rm', 'user-unknown');
  expect(bad.code).toBe(125);
  expect(bad.stderr).toContain('unable to find user nobody2: no matching entries in passwd file');
  expect((await mb('ps', '-aq')).stdout).toBe(''); // --rm: nothing left
});

it("exec -u resolves in the container's root: numbers without an entry, names, groups; unknown: 126", async () => {
  await mb('run', '-d', '--name', 'eu', 'user-named', 'sleep', '60');
  expect((await mb('exec', 'eu', 'id', '-u')).stdout).toBe('1234\n'); // without -u: the container's user, as Docker
  expect((await mb('exec', '-u', '1000:1000', 'eu', 'id')).stdout).toBe('uid=1000 gid=1000 groups=1000\n');
  expect((await mb('exec', '-u', 'app', 'eu', 'sh', '-c', 'id; echo $HOME')).stdout).toBe('uid=1234(app) gid=2345(staff) groups=2345(staff),3000(extra)\n/home/app\n');
  expect((await mb('exec', '-u', 'app:nogroup', 'eu', 'id', '-g')).stdout).toBe('65534\n');
  const bad = await mb('exec', '-u', 'nobody2', 'eu', 'true');
  expect(bad).toMatchObject({ code: 126 });
  expect(bad.stderr).toContain('unable to find user nobody2: no matching entries in passwd file');
  const badGroup = await mb('exec', '-u', 'app:nogroup2', 'eu', 'true');
  expect(badGroup.stderr).toContain('unable to find group nogroup2: no matching entries in group file');
});

it("a passwd that links to /etc/shadow resolves inside the container; a FIFO passwd is refused, not waited on", async () => {
  await mb('run', '-d', '--name', 'pw', 'busybox', 'sleep', '60');
  // only the container's /etc/shadow knows "inside"; the host's has no such user
  const host = readFileSync('/etc/shadow', 'utf8');
  expect(host).not.toMatch(/^inside:/m);
  const hostOnly = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')[0]).find((n) => n && !['root', 'daemon', 'bin', 'sys', 'sync', 'mail', 'www-data', 'operator', 'nobody'].includes(n));
  await mb('exec', 'pw', 'sh', '-c', 'echo inside:x:4242:4343::/in:/bin/sh > /etc/shadow && ln -sf /etc/shadow /etc/passwd');
  expect((await mb('exec', '-u', 'inside', 'pw', 'id', '-u')).stdout).toBe('4242\n');
  if (hostOnly) expect((await mb('exec', '-u', hostOnly, 'pw', 'true')).code).toBe(126);
  await mb('exec', 'pw', 'sh', '-c', 'rm /etc/passwd && mkfifo /etc/passwd');
  const started = Date.now();
  const fifo = await mb('exec', '-u', 'nobody', 'pw', 'true');
  expect(fifo.code).toBe(126);
  expect(fifo.stderr).toContain('/etc/passwd: not a regular file');
  expect(Date.now() - started).toBeLessThan(5000);
  // the implicit root needs no passwd at all (grep, not id: id itself would open the FIFO)
  expect((await mb('exec', 'pw', 'grep', '^Uid:', '/proc/self/status')).stdout).toMatch(/^Uid:\s+0\s/);
});

it('exec is refused cleanly for a huge passwd (capped at 1 MiB)', async () => {
  await mb('run', '-d', '--name', 'big', 'busybox', 'sleep', '60');
  await mb('exec', 'big', 'sh', '-c', 'head -c 2000000 /dev/zero | tr "\\0" "a" >> /etc/passwd');
  const r = await mb('exec', '-u', 'nobody', 'big', 'true');
  expect(r.code).toBe(126);
  expect(r.stderr).toMatch(/\/etc\/passwd: .*1 MiB/);
});
