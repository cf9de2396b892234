import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeStateRoot } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { runtimeCli } from '../helpers/oci-runtime-cli.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { processAlive, waitFor } from '../helpers/wait.js';

/**
 * minibox-runtime as an OCI runtime (issue #16): a bundle made the way runc's users make one
 * (a busybox rootfs directory and `minibox-runtime spec`, edited), driven through create,
 * state, start, kill, delete and run; what config.json asks for is checked from inside.
 */

let state: { root: string; cleanup: () => void };
let bundleDir: string;
let rootfs: string;

/** Where a created container's stdio goes: create passes its own on to the init (runc's way). */
const outFile = (id: string) => path.join(bundleDir, `${id}.out`);
const rt = runtimeCli(() => state.root, outFile);

/** A bundle: the shared busybox rootfs, config.json from `spec` with `edit` applied. */
async function makeBundle(name: string, edit: (spec: any) => void): Promise<string> {
  const dir = path.join(bundleDir, name);
  mkdirSync(dir);
  const r = await rt('spec', '--bundle', dir);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const spec = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  spec.root.path = rootfs;
  spec.process.terminal = false;
  edit(spec);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}

const ids: string[] = [];
const logOf = (id: string) => {
  try {
    return readFileSync(outFile(id), 'utf8');
  } catch {
    return '';
  }
};
const stateOf = async (id: string) => JSON.parse((await rt('state', id)).stdout);
/** pid's cgroup directory in a v1 controller (the v2 tree on a v2 host). */
function cgroupOf(pid: number, controller: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, ctrls]) => ctrls!.split(',').includes(controller));
  if (v1) return path.join('/sys/fs/cgroup', controller, v1[2]!);
  return path.join(existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup', lines.find((l) => l.startsWith('0::'))!.slice(3));
}

beforeAll(async () => {
  state = makeStateRoot();
  bundleDir = path.join(os.tmpdir(), `minibox-rt-bundles-${process.pid}`);
  rootfs = path.join(bundleDir, 'rootfs');
  mkdirSync(rootfs, { recursive: true });
  const layout = await ensureBusyboxLayout();
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const blob = (d: string) => path.join(layout, 'blobs', ...d.split(':'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  for (const l of manifest.layers) execFileSync('tar', ['-xzf', blob(l.digest), '-C', rootfs]);
  writeFileSync(path.join(rootfs, 'secret'), 's3cret\n');
  mkdirSync(path.join(rootfs, 'ro'), { recursive: true });
}, 120_000);

afterEach(async () => {
  for (const id of ids.splice(0)) await rt('delete', '--force', id);
});

afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  state?.cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('minibox-runtime', () => {
  it('--version is runc-like', async () => {
    expect(await rt('--version')).toEqual({ code: 0, stdout: 'minibox-runtime version 0.1.0\nspec: 1.2.0\n', stderr: '' });
  });

  it('create holds the init before its program; start, kill, delete; state all along', async () => {
    const b = await makeBundle('life', (s) => (s.process.args = ['sh', '-c', 'echo hi; sleep 30']));
    ids.push('life');
    const pidFile = path.join(b, 'pid');
    const c = await rt('create', '--bundle', b, '--pid-file', pidFile, 'life');
    expect(c).toMatchObject({ code: 0, stderr: '' });
    const s1 = await rt('state', 'life');
    expect(s1.stderr).toBe('');
    const created = JSON.parse(s1.stdout);
    expect(created).toMatchObject({ ociVersion: '1.2.0', id: 'life', status: 'created', bundle: b, rootfs, annotations: {} });
    expect(created.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(readFileSync(pidFile, 'utf8')).toBe(String(created.pid));
    expect(processAlive(created.pid)).toBe(true);
    // held before the execve: the program has printed nothing
    expect(logOf('life')).toBe('');
    expect((await rt('start', 'life')).code).toBe(0);
    await waitFor(() => logOf('life') === 'hi\n', { what: 'the output of the started program' });
    expect(await stateOf('life')).toMatchObject({ status: 'running', pid: created.pid });
    expect((await rt('start', 'life')).stderr).toMatch(/cannot start an already running container/);
    const list = JSON.parse((await rt('list', '--format', 'json')).stdout);
    expect(list.map((x: any) => [x.id, x.status])).toEqual([['life', 'running']]);
    expect(await rt('delete', 'life')).toMatchObject({ code: 1, stderr: expect.stringMatching(/that is not stopped: running/) });
    expect((await rt('kill', 'life', 'KILL')).code).toBe(0);
    await waitFor(async () => (await stateOf('life')).status === 'stopped', { what: 'stopped after kill' });
    expect(processAlive(created.pid)).toBe(false);
    expect((await rt('kill', 'life', 'TERM')).stderr).toMatch(/container not running/);
    expect((await rt('delete', 'life')).code).toBe(0);
    const gone = await rt('state', 'life');
    expect(gone.code).toBe(1);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toMatch(/does not exist/);
    expect(readdirSync(state.root).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('kill of a created container ends it; delete of a created one needs no --force', async () => {
    const b = await makeBundle('held', (s) => (s.process.args = ['sh', '-c', 'echo never']));
    ids.push('held');
    expect((await rt('create', '--bundle', b, 'held')).code).toBe(0);
    expect((await rt('kill', 'held', '9')).code).toBe(0);
    await waitFor(async () => (await stateOf('held')).status === 'stopped', { what: 'stopped' });
    expect((await rt('start', 'held')).stderr).toMatch(/cannot start a container that has stopped/);
    expect(logOf('held')).toBe('');
    const b2 = await makeBundle('held2', (s) => (s.process.args = ['true']));
    ids.push('held2');
    expect((await rt('create', '--bundle', b2, 'held2')).code).toBe(0);
    expect((await rt('delete', 'held2')).code).toBe(0);
    expect(existsSync(path.join(state.root, 'held2'))).toBe(false);
  });

  it('run returns the exit code, its output; caps, masked and read-only paths, hostname, user as configured', async () => {
    const b = await makeBundle('conf', (s) => {
      s.hostname = 'oci-box';
      s.root.readonly = false;
      s.process.user = { uid: 1000, gid: 1000, additionalGids: [10] };
      s.linux.maskedPaths.push('/secret');
      s.linux.readonlyPaths.push('/ro');
      s.process.args = ['sh', '-c', 'hostname; id -u; id -G; grep CapEff /proc/self/status; cat /secret; echo masked-end; touch /ro/x 2>/dev/null || echo ro-refused; exit 7'];
    });
    const pidFile = path.join(b, 'pid');
    const r = await rt('run', '--bundle', b, '--pid-file', pidFile, 'conf');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(7);
    // the non-root user keeps no effective capabilities (the bounding set is runc's three)
    expect(r.stdout).toBe('oci-box\n1000\n1000 10\nCapEff:\t0000000000000000\nmasked-end\nro-refused\n');
    expect(readFileSync(pidFile, 'utf8')).toMatch(/^\d+$/);
    expect(existsSync(path.join(state.root, 'conf'))).toBe(false);
  });

  it('run as root gets exactly the configured capabilities', async () => {
    const b = await makeBundle('caps', (s) => {
      s.process.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
      s.process.args = ['sh', '-c', 'grep -E "^Cap(Eff|Bnd)" /proc/self/status'];
    });
    const r = await rt('run', '--bundle', b, 'caps');
    expect(r).toMatchObject({ code: 0, stdout: 'CapEff:\t0000000000000020\nCapBnd:\t0000000000000020\n' });
  });

  it('run applies linux.resources (memory, pids), seccomp and sysctl', async () => {
    const b = await makeBundle('limits', (s) => {
      s.root.readonly = false;
      s.linux.resources.memory = { limit: 64 << 20 };
      s.linux.resources.pids = { limit: 50 };
      s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
      s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      // v1 or v2: whichever file the container's cgroup view has
      s.process.args = ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null; cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; mkdir /tmp/x 2>/dev/null || echo mkdir-denied; cat /proc/sys/net/ipv4/ip_forward'];
    });
    const r = await rt('run', '--bundle', b, 'limits');
    expect(r).toMatchObject({ code: 0, stdout: `${64 << 20}\n50\nmkdir-denied\n1\n`, stderr: '' });
  });

  it('bad input: no config.json, an id in use, an unsupported field; nothing left in --root', async () => {
    const empty = path.join(bundleDir, 'empty');
    mkdirSync(empty);
    const r = await rt('create', '--bundle', empty, 'nocfg');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.json not found/);
    const b = await makeBundle('dup', (s) => (s.process.args = ['sleep', '30']));
    ids.push('dup');
    expect((await rt('create', '--bundle', b, 'dup')).code).toBe(0);
    expect((await rt('create', '--bundle', b, 'dup')).stderr).toMatch(/container with id exists: dup/);
    const ns = await makeBundle('userns', (s) => s.linux.namespaces.push({ type: 'user' }));
    const j = await rt('--log-format', 'json', 'create', '--bundle', ns, 'userns');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stderr)).toMatchObject({ level: 'error', msg: expect.stringMatching(/user namespaces enabled, but no namespace path to join nor mappings to apply specified/) });
    expect(readdirSync(state.root).filter((n) => !n.startsWith('.'))).toEqual(['dup']);
    expect((await rt('--systemd-cgroup', 'list')).stderr).toMatch(/--systemd-cgroup is not supported/);
    expect((await rt('list', '-q')).stdout).toBe('dup\n');
  });

  it('bad input: an invalid config.json names its field, an unsupported feature is refused: exit 1, one line (JSON with --log-format json, in --log too), nothing left', async () => {
    const bad = async (name: string, edit: (s: any) => void, msg: RegExp) => {
      const b = await makeBundle(name, edit);
      const r = await rt('create', '--bundle', b, name);
      expect(r, name).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr, name).toMatch(new RegExp(`^minibox-runtime: ${msg.source}[^\\n]*\\n$`));
      expect(existsSync(path.join(state.root, name)), name).toBe(false);
    };
    // the fields minibox's own parser reads (its own errors exit 125, Docker's code: runc's is 1)
    await bad('badargs', (s) => (s.process.args = 'sh'), /invalid config\.json process: "args" must be an array of strings/);
    await bad('baduid', (s) => (s.process.user.uid = 'root'), /invalid config\.json process\.user: "uid" must be a number/);
    await bad('badcap', (s) => s.process.capabilities.bounding.push('CAP_BOGUS'), /invalid config\.json: unknown capability "CAP_BOGUS"/);
    await bad('badcwd', (s) => (s.process.cwd = 'relative'), /invalid config\.json process\.cwd: must be absolute/);
    await bad('badmask', (s) => (s.process.user.umask = 0o1000), /invalid config\.json process\.user\.umask/);
    // features this runtime does not have, refused by name rather than dropped
    await bad('rdt', (s) => (s.linux.intelRdt = { closID: 'x' }), /config\.json: linux\.intelRdt is not supported by minibox-runtime/);
    await bad('timens', (s) => s.linux.namespaces.push({ type: 'time' }), /config\.json: a time namespace is not supported by minibox-runtime/);
    if (!existsSync('/sys/module/apparmor/parameters/enabled') || readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() !== 'Y') {
      await bad('aa', (s) => (s.process.apparmorProfile = 'docker-default'), /config\.json: process\.apparmorProfile "docker-default" asked for, but AppArmor is not enabled on this host \(remove the field\)/);
    }
    const syntax = path.join(bundleDir, 'syntax');
    mkdirSync(syntax);
    writeFileSync(path.join(syntax, 'config.json'), '{"ociVersion": ');
    const log = path.join(bundleDir, 'runtime.log');
    const j = await rt('--log', log, '--log-format', 'json', '--debug', 'create', '--bundle', syntax, 'syntax');
    expect(j).toMatchObject({ code: 1, stdout: '' });
    expect(j.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(JSON.parse(j.stderr)).toMatchObject({ level: 'error', msg: expect.stringMatching(/^invalid config\.json in .*syntax: /), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    // --log: --debug's command line first, then the same error
    const logged = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(logged.map((l) => l.level)).toEqual(['debug', 'error']);
    expect(logged[0].msg).toMatch(/create --bundle .*syntax syntax$/);
    expect(logged[1].msg).toBe(JSON.parse(j.stderr).msg);
    // the text format in --log, runc's logrus shape
    const text = path.join(bundleDir, 'runtime-text.log');
    expect((await rt('--log', text, 'start', 'syntax')).stderr).toBe('minibox-runtime: container "syntax" does not exist\n');
    expect(readFileSync(text, 'utf8')).toMatch(/^time="[^"]+" level=error msg="container \\"syntax\\" does not exist"\n$/);
    // every command of a missing container: exit 1 (exec 255, runc's), "does not exist", one line
    for (const argv of [['start', 'ghost'], ['state', 'ghost'], ['kill', 'ghost', 'KILL'], ['delete', 'ghost'], ['pause', 'ghost'], ['resume', 'ghost'], ['ps', 'ghost'], ['exec', 'ghost', 'true']]) {
      const r = await rt(...argv);
      expect(r, argv.join(' ')).toMatchObject({ code: argv[0] === 'exec' ? 255 : 1, stdout: '' });
      expect(r.stderr, argv.join(' ')).toMatch(/^minibox-runtime: [^\n]*does not exist[^\n]*\n$/);
    }
    expect(readdirSync(state.root).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('create --no-pivot --no-new-keyring as runc\'s callers pass them, run --detach, list as runc\'s table', async () => {
    const b = await makeBundle('flags', (s) => (s.process.args = ['sleep', '30']));
    ids.push('flags');
    expect(await rt('create', '--no-pivot', '--no-new-keyring', '--bundle', b, 'flags')).toMatchObject({ code: 0, stderr: '' });
    const bd = await makeBundle('detached', (s) => (s.process.args = ['sh', '-c', 'echo detached-out; sleep 30']));
    ids.push('detached');
    // the held stdio is one file (runtimeCli): run's stderr there, or the program's output already
    const d = await rt('run', '--detach', '--bundle', bd, 'detached');
    expect(d.code).toBe(0);
    expect(['', 'detached-out\n']).toContain(d.stderr);
    await waitFor(() => logOf('detached') === 'detached-out\n', { what: 'the detached program\'s output' });
    const pid = (await stateOf('detached')).pid;
    expect(await stateOf('detached')).toMatchObject({ status: 'running' });
    const table = (await rt('list')).stdout.trim().split('\n').map((l) => l.split(/\s{3,}/));
    expect(table[0]).toEqual(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']);
    expect(table.slice(1).map((r) => r.slice(0, 4))).toEqual([
      ['detached', String(pid), 'running', bd],
      ['flags', String((await stateOf('flags')).pid), 'created', b],
    ]);
    // flags' create made minibox/ (the runtime's parent), detached's found it: the last one out removes it
    const parents = ['pids', 'memory'].map((c) => path.dirname(cgroupOf(pid, c)));
    expect(parents.every((d) => path.basename(d) === 'minibox' && existsSync(d))).toBe(true);
    expect(await rt('delete', '--force', 'flags')).toMatchObject({ code: 0, stderr: '' });
    expect(await rt('delete', '--force', 'detached')).toMatchObject({ code: 0, stderr: '' });
    expect(parents.filter((d) => existsSync(d))).toEqual([]);
  });

  it('features is JSON per features.md', async () => {
    const f = JSON.parse((await rt('features')).stdout);
    expect(f).toMatchObject({ ociVersionMin: '1.0.0', ociVersionMax: '1.2.0' });
    expect(f.linux.namespaces).toContain('pid');
    expect(f.linux.namespaces).toContain('user');
    expect(f.linux.capabilities).toContain('CAP_SYS_ADMIN');
    expect(f.linux.cgroup.systemd).toBe(false);
  });
});

describe('minibox-runtime without a monitor: exec, ps, pause/resume, update, --console-socket', () => {
  /** A created and started container running `sleep 60` (the init is the re-parented shim child). */
  async function started(id: string, edit: (s: any) => void = () => undefined): Promise<number> {
    const b = await makeBundle(id, (s) => {
      s.process.args = ['sleep', '60'];
      edit(s);
    });
    ids.push(id);
    expect(await rt('create', '--bundle', b, id)).toMatchObject({ code: 0, stderr: '' });
    expect((await rt('start', id)).code).toBe(0);
    return (await stateOf(id)).pid;
  }

  it('create leaves no monitor: the init is the only process and create has exited', async () => {
    const pid = await started('nomon');
    const ps = JSON.parse((await rt('ps', '--format', 'json', 'nomon')).stdout);
    expect(ps).toEqual([pid]);
    // no minibox-shim between the caller and the init
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('sleep');
    const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    expect(readFileSync(`/proc/${ppid}/comm`, 'utf8').trim()).not.toBe('minibox-shim');
    const table = (await rt('ps', 'nomon')).stdout.split('\n');
    expect(table[0]).toMatch(/PID/);
    expect(table.some((l) => l.includes('sleep 60'))).toBe(true);
  });

  it('exec: in the foreground with its exit code; --detach with --pid-file; --process as runc reads it', async () => {
    await started('ex', (s) => s.process.env.push('FROM=container'));
    const fg = await rt('exec', '--env', 'X=1', 'ex', 'sh', '-c', 'echo $FROM-$X; exit 5');
    expect(fg).toMatchObject({ code: 5, stdout: 'container-1\n' });
    const pidFile = path.join(bundleDir, 'ex.exec.pid');
    const d = await rt('exec', '--detach', '--pid-file', pidFile, 'ex', 'sleep', '40');
    expect(d.code).toBe(0);
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    expect(processAlive(execPid)).toBe(true);
    expect(JSON.parse((await rt('ps', '-f', 'json', 'ex')).stdout)).toContain(execPid);
    const proc = path.join(bundleDir, 'ex.process.json');
    writeFileSync(proc, JSON.stringify({ args: ['id', '-u'], env: ['PATH=/bin:/usr/bin'], cwd: '/', user: { uid: 1234, gid: 1234 }, terminal: false }));
    expect(await rt('exec', '--process', proc, 'ex')).toMatchObject({ code: 0, stdout: '1234\n' });
    const missing = await rt('exec', 'ex', 'no-such-program');
    // runc's exec.go: a failed exec exits 255, one line
    expect(missing).toMatchObject({ code: 255, stdout: '', stderr: expect.stringMatching(/^minibox-runtime: [^\n]*executable file not found[^\n]*\n$/) });
    expect((await rt('exec', 'nope', 'true')).stderr).toMatch(/does not exist/);
  });

  it('pause and resume through the freezer; state says paused', async () => {
    await started('pz');
    expect((await rt('pause', 'pz')).code).toBe(0);
    expect((await stateOf('pz')).status).toBe('paused');
    expect((await rt('exec', 'pz', 'true')).stderr).toMatch(/paused/);
    expect((await rt('resume', 'pz')).code).toBe(0);
    expect((await stateOf('pz')).status).toBe('running');
    expect((await rt('resume', 'pz')).stderr).toMatch(/container not paused/);
  });

  it('update --resources and the runc flags reach the cgroup (read back inside)', async () => {
    await started('up');
    const res = path.join(bundleDir, 'up.resources.json');
    writeFileSync(res, JSON.stringify({ pids: { limit: 33 } }));
    expect(await rt('update', '--resources', res, 'up')).toMatchObject({ code: 0, stderr: '' });
    expect((await rt('exec', 'up', 'cat', '/sys/fs/cgroup/pids/pids.max')).stdout).toBe('33\n');
    expect((await rt('update', '--memory', '48m', 'up')).code).toBe(0);
    expect((await rt('exec', 'up', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes')).stdout).toBe(`${48 * 1024 * 1024}\n`);
    expect((await rt('update', '--kernel-memory', '1m', 'up')).stderr).toMatch(/--kernel-memory is not supported/);
    // blockIO as config.json's: BFQ's weight file where the kernel has it, --blkio-weight over the file's
    const weight = 'cat /sys/fs/cgroup/blkio/blkio.bfq.weight 2>/dev/null || cat /sys/fs/cgroup/blkio/blkio.weight';
    writeFileSync(res, JSON.stringify({ blockIO: { weight: 200 } }));
    expect(await rt('update', '--resources', res, 'up')).toMatchObject({ code: 0, stderr: '' });
    expect((await rt('exec', 'up', 'sh', '-c', weight)).stdout).toBe('200\n');
    expect(await rt('update', '--resources', res, '--blkio-weight', '300', 'up')).toMatchObject({ code: 0, stderr: '' });
    expect((await rt('exec', 'up', 'sh', '-c', weight)).stdout).toBe('300\n');
  });

  it('--console-socket: the pty master as one SCM_RIGHTS fd named /dev/pts/N; the container sees it as its tty', async () => {
    const sock = path.join(bundleDir, 'console.sock');
    // the receiving end, as conmon and go-runc's console are: one message, one fd, the name as data
    const server = spawn('python3', ['-c', String.raw`
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
print('listening', flush=True)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_SPACE(16 * 4))
fds = array.array('i')
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
print('name=%s fds=%d' % (msg.decode(), len(fds)), flush=True)
out = b''
while True:
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
print('out=%r' % out, flush=True)
`, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    server.stdout.on('data', (d) => (said += d));
    try {
      await waitFor(() => said.includes('listening'), { what: 'the console socket listening' });
      const b = await makeBundle('tty', (s) => {
        s.process.terminal = true;
        s.process.args = ['sh', '-c', 'tty; test -t 0 && echo is-a-tty'];
      });
      ids.push('tty');
      expect((await rt('create', '--bundle', b, 'tty')).stderr).toMatch(/cannot allocate tty if minibox-runtime will detach without setting console socket/);
      expect(await rt('create', '--bundle', b, '--console-socket', sock, 'tty')).toMatchObject({ code: 0, stderr: '' });
      await waitFor(() => said.includes('name='), { what: 'the pty master on the socket' });
      expect(said).toMatch(/name=\/dev\/pts\/\d+ fds=1/);
      expect((await rt('start', 'tty')).code).toBe(0);
      await waitFor(() => said.includes('out='), { what: 'the output through the pty' });
      expect(said).toMatch(/out=b'\/dev\/pts\/\d+\\r\\nis-a-tty\\r\\n'/);
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('refuses --preserve-fds N past the fds it was given, and --systemd-cgroup, with one line each', async () => {
    const b = await makeBundle('pfd', (s) => (s.process.args = ['true']));
    // rt passes only stdio: fd 3 is free or one of Node's own (close-on-exec), never the caller's
    const r = await rt('create', '--preserve-fds', '2', '--bundle', b, 'pfd');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('minibox-runtime: --preserve-fds 2: fd 3 was not passed to minibox-runtime\n');
    expect(existsSync(path.join(state.root, 'pfd'))).toBe(false);
    expect((await rt('--systemd-cgroup', 'state', 'x')).stderr.trim().split('\n')).toHaveLength(1);
  });
});
