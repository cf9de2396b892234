import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeStateRoot, type Result } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { runtimeCli } from '../helpers/oci-runtime-cli.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { processAlive, waitFor } from '../helpers/wait.js';

/**
 * minibox-runtime against the runtime spec, one `it` per area of the OCI runtime-tools
 * validation suite (validation/*.go upstream), each asserting what runtime.md, config.md
 * and config-linux.md say: from inside the container (/proc/self/*, mountinfo) and from
 * the host (its cgroup files, /proc/<pid>). A busybox rootfs bundle, config.json from
 * `minibox-runtime spec` edited per test; output is written to a bind-mounted host dir.
 */

let state: { root: string; cleanup: () => void };
let work: string;
let rootfs: string;
const ids: string[] = [];
const holders: ChildProcess[] = [];

const rt = runtimeCli(() => state.root, (name) => path.join(work, `${name}.create-out`));

interface Bundle {
  dir: string;
  out: string; // host dir, bound at /out in the container
}

/** A bundle over the shared busybox rootfs: `spec`'s config.json, /out bound, `edit` applied. */
async function bundle(name: string, edit: (s: any, b: Bundle) => void = () => undefined): Promise<Bundle> {
  const dir = path.join(work, name);
  const out = path.join(dir, 'out');
  mkdirSync(out, { recursive: true });
  const r = await rt('spec', '--bundle', dir);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const spec = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  spec.root.path = rootfs;
  spec.process.terminal = false;
  spec.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
  const b = { dir, out };
  edit(spec, b);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return b;
}

/** `run` of a bundle whose program is `sh -c script`: its exit code and output. */
async function runScript(name: string, script: string, edit: (s: any, b: Bundle) => void = () => undefined): Promise<Result> {
  const b = await bundle(name, (s, bb) => {
    s.process.args = ['sh', '-c', script];
    edit(s, bb);
  });
  ids.push(name);
  return rt('run', '--bundle', b.dir, name);
}

async function created(name: string, edit: (s: any, b: Bundle) => void = () => undefined): Promise<Bundle & { pid: number }> {
  const b = await bundle(name, edit);
  ids.push(name);
  const c = await rt('create', '--bundle', b.dir, name);
  expect(c).toMatchObject({ code: 0, stderr: '' });
  return { ...b, pid: (await stateOf(name)).pid };
}

const stateOf = async (id: string) => {
  const r = await rt('state', id);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
};
const leftInRoot = () => readdirSync(state.root).filter((n) => !n.startsWith('.'));

/** The host directory of pid's cgroup in the v1 controller (or the v2 tree when it has none). */
function cgroupDir(pid: number, controller: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  const v1 = lines.map((l) => l.split(':')).find(([, ctrls]) => ctrls!.split(',').includes(controller));
  if (v1) return path.join('/sys/fs/cgroup', controller, v1[2]!);
  const v2 = lines.find((l) => l.startsWith('0::'))!;
  return path.join(existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup', v2.slice(3));
}
/** linux.cgroupsPath's directory on the host: absolute under each controller's mount, relative under minibox/. */
function pathDir(cgroupsPath: string, controller: string): string {
  const rel = cgroupsPath.startsWith('/') ? cgroupsPath : path.join('minibox', cgroupsPath);
  return existsSync(path.join('/sys/fs/cgroup', controller)) ? path.join('/sys/fs/cgroup', controller, rel) : path.join(existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup', rel);
}

/** The container is in the cgroup its cgroupsPath names; delete removes it and the parents it made. */
async function expectCgroupsPathHonoured(id: string, pid: number, cgroupsPath: string, controller: string, madeParent: string): Promise<void> {
  expect(cgroupDir(pid, controller)).toBe(pathDir(cgroupsPath, controller));
  expect(existsSync(pathDir(madeParent, controller))).toBe(true);
  expect(await rt('delete', '--force', id)).toMatchObject({ code: 0, stderr: '' });
  expect(existsSync(pathDir(cgroupsPath, controller))).toBe(false);
  expect(existsSync(pathDir(madeParent, controller))).toBe(false);
}
const cg = (pid: number, controller: string, file: string) => readFileSync(path.join(cgroupDir(pid, controller), file), 'utf8').trim();

beforeAll(async () => {
  state = makeStateRoot();
  work = mkdtempSync(path.join(os.tmpdir(), 'minibox-oci-conf-'));
  rootfs = path.join(work, 'rootfs');
  mkdirSync(rootfs, { recursive: true });
  const layout = await ensureBusyboxLayout();
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  const blob = (d: string) => path.join(layout, 'blobs', ...d.split(':'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  for (const l of manifest.layers) execFileSync('tar', ['-xzf', blob(l.digest), '-C', rootfs]);
  mkdirSync(path.join(rootfs, 'out'), { recursive: true });
  mkdirSync(path.join(rootfs, 'data'), { recursive: true });
  writeFileSync(path.join(rootfs, 'data', 'secret'), 's3cret\n');
}, 120_000);

afterEach(async () => {
  for (const id of ids.splice(0)) await rt('delete', '--force', id);
  for (const h of holders.splice(0)) {
    h.kill('SIGKILL');
    await waitFor(() => h.exitCode !== null || h.signalCode !== null, { what: 'the namespace holder to exit' });
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  state?.cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('OCI runtime conformance (runtime-tools validation areas)', () => {
  it('create: the container is made and its program not yet run; an id in use is refused', async () => {
    const c = await created('create', (s) => (s.process.args = ['sh', '-c', 'echo ran > /out/ran']));
    expect(processAlive(c.pid)).toBe(true);
    expect((await stateOf('create')).status).toBe('created');
    expect(existsSync(path.join(c.out, 'ran'))).toBe(false);
    const again = await rt('create', '--bundle', c.dir, 'create');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/exists/);
  });

  it('start: runs the program of a created container; a second start is an error', async () => {
    const c = await created('start', (s) => (s.process.args = ['sh', '-c', 'echo ran > /out/ran; sleep 30']));
    expect(await rt('start', 'start')).toMatchObject({ code: 0 });
    await waitFor(() => existsSync(path.join(c.out, 'ran')), { what: 'the started program' });
    expect((await stateOf('start')).status).toBe('running');
    expect((await rt('start', 'start')).code).not.toBe(0);
  });

  it('state: ociVersion, id, status, pid, bundle (absolute), annotations; created → running → stopped', async () => {
    const c = await created('state', (s) => {
      s.process.args = ['sleep', '30'];
      s.annotations = { 'org.example.key': 'value' };
    });
    const s1 = await stateOf('state');
    expect(s1).toMatchObject({ ociVersion: '1.2.0', id: 'state', status: 'created', pid: c.pid, bundle: c.dir, annotations: { 'org.example.key': 'value' } });
    expect(path.isAbsolute(s1.bundle)).toBe(true);
    await rt('start', 'state');
    expect((await stateOf('state')).status).toBe('running');
    await rt('kill', 'state', 'KILL');
    await waitFor(async () => (await stateOf('state')).status === 'stopped', { what: 'stopped' });
    const missing = await rt('state', 'nosuch');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('kill: the default signal (TERM) ends a running container', async () => {
    await created('kill', (s) => (s.process.args = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done']));
    await rt('start', 'kill');
    expect((await rt('kill', 'kill')).code).toBe(0);
    await waitFor(async () => (await stateOf('kill')).status === 'stopped', { what: 'stopped after TERM' });
  });

  it('killsig: the named signal reaches the container process (USR1 by name, number, SIG prefix)', async () => {
    const c = await created('killsig', (s) => (s.process.args = ['sh', '-c', 'trap "echo usr1 >> /out/sig" USR1; trap "echo usr2 >> /out/sig" USR2; echo ready > /out/ready; while :; do sleep 1; done']));
    await rt('start', 'killsig');
    await waitFor(() => existsSync(path.join(c.out, 'ready')), { what: 'traps set' });
    expect((await rt('kill', 'killsig', 'USR1')).code).toBe(0);
    await waitFor(() => existsSync(path.join(c.out, 'sig')) && readFileSync(path.join(c.out, 'sig'), 'utf8') === 'usr1\n', { what: 'USR1 seen' });
    expect((await rt('kill', 'killsig', 'SIGUSR2')).code).toBe(0);
    await waitFor(() => readFileSync(path.join(c.out, 'sig'), 'utf8') === 'usr1\nusr2\n', { what: 'USR2 seen' });
    expect((await stateOf('killsig')).status).toBe('running');
    expect((await rt('kill', 'killsig', '9')).code).toBe(0);
    await waitFor(async () => (await stateOf('killsig')).status === 'stopped', { what: 'stopped after 9' });
  });

  it('kill_no_effect: kill of a stopped container is an error and changes nothing', async () => {
    await created('knoeff', (s) => (s.process.args = ['true']));
    await rt('start', 'knoeff');
    await waitFor(async () => (await stateOf('knoeff')).status === 'stopped', { what: 'program done' });
    const before = await stateOf('knoeff');
    const k = await rt('kill', 'knoeff', 'KILL');
    expect(k.code).not.toBe(0);
    expect(await stateOf('knoeff')).toEqual(before);
  });

  it('delete: a stopped container is removed; a running one is refused without --force', async () => {
    await created('delete', (s) => (s.process.args = ['sleep', '30']));
    await rt('start', 'delete');
    expect((await rt('delete', 'delete')).code).not.toBe(0);
    expect((await stateOf('delete')).status).toBe('running');
    await rt('kill', 'delete', 'KILL');
    await waitFor(async () => (await stateOf('delete')).status === 'stopped', { what: 'stopped' });
    expect((await rt('delete', 'delete')).code).toBe(0);
    expect((await rt('state', 'delete')).stderr).toMatch(/does not exist/);
    expect((await rt('delete', 'delete')).code).not.toBe(0);
  });

  it('delete_resources: delete removes the cgroups, the processes and the runtime state', async () => {
    const c = await created('delres', (s) => {
      s.process.args = ['sleep', '30'];
      s.linux.resources.pids = { limit: 20 };
    });
    const dir = cgroupDir(c.pid, 'pids');
    expect(existsSync(dir)).toBe(true);
    expect((await rt('delete', '--force', 'delres')).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(processAlive(c.pid)).toBe(false);
    expect(leftInRoot()).toEqual([]);
  });

  it('hooks: every kind runs once, in the spec\'s order and namespaces; a failing or timed-out create hook fails create and leaves nothing', async () => {
    const log = path.join(work, 'hooks.log');
    const hook = (kind: string, file = log) => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${kind} $(readlink /proc/self/ns/mnt) >> ${file}`] });
    const c = await created('hooks', (s, b) => {
      s.process.args = ['sh', '-c', 'echo program >> /out/hooks.log; sleep 30'];
      s.hooks = {
        prestart: [hook('prestart', path.join(b.out, 'hooks.log'))],
        createRuntime: [hook('createRuntime', path.join(b.out, 'hooks.log'))],
        createContainer: [hook('createContainer', path.join(b.out, 'hooks.log'))],
        startContainer: [hook('startContainer', '/out/hooks.log')],
        poststart: [hook('poststart', path.join(b.out, 'hooks.log'))],
        poststop: [hook('poststop', log)],
      };
    });
    const lines = () => readFileSync(path.join(c.out, 'hooks.log'), 'utf8').trim().split('\n').map((l) => l.split(' '));
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    const ctrMnt = readlinkSync(`/proc/${c.pid}/ns/mnt`);
    // create: the runtime's hooks in the host's mount namespace, createContainer in the container's
    expect(lines()).toEqual([['prestart', hostMnt], ['createRuntime', hostMnt], ['createContainer', ctrMnt]]);
    await rt('start', 'hooks');
    await waitFor(() => lines().length >= 5, { what: 'startContainer, program, poststart' });
    const after = lines();
    expect(after.slice(3).map((l) => l[0])).toContain('poststart');
    expect(after[3]).toEqual(['startContainer', ctrMnt]); // just before the program, inside
    expect(after.slice(3).map((l) => l[0]).sort()).toEqual(['poststart', 'program', 'startContainer']);
    expect(existsSync(log)).toBe(false);
    expect((await rt('delete', '--force', 'hooks')).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe(`poststop ${hostMnt}\n`);

    const failing = await bundle('hookfail', (s) => (s.hooks = { createRuntime: [{ path: '/bin/false' }] }));
    const f = await rt('create', '--bundle', failing.dir, 'hookfail');
    expect(f.code).not.toBe(0);
    expect(f.stderr).toMatch(/createRuntime hook \/bin\/false: exit status 1/);
    const slow = await bundle('hookslow', (s) => (s.hooks = { createContainer: [{ path: '/bin/sleep', args: ['sleep', '20'], timeout: 1 }] }));
    const t = await rt('create', '--bundle', slow.dir, 'hookslow');
    expect(t.code).not.toBe(0);
    expect(t.stderr).toMatch(/createContainer hook \/bin\/sleep: timed out after 1 s/);
    expect(leftInRoot()).toEqual([]);
    // a failing poststart is a warning: the container runs on
    const warn = await created('hookwarn', (s) => {
      s.process.args = ['sleep', '30'];
      s.hooks = { poststart: [{ path: '/bin/false' }] };
    });
    const st = await rt('start', 'hookwarn');
    expect(st.code).toBe(0);
    expect(st.stderr).toMatch(/warning: poststart hook \/bin\/false: exit status 1/);
    expect(processAlive(warn.pid)).toBe(true);
  });

  it('hooks_stdin: each hook reads the container state (id, pid, status, bundle, annotations) on stdin, with its env and args', async () => {
    const dump = (kind: string, dir: string) => ({ path: '/bin/sh', args: ['sh', '-c', `cat > ${dir}/${kind}.json; echo "$0 $HOOKVAR" > ${dir}/${kind}.env`, 'argzero'], env: ['HOOKVAR=hv'] });
    const c = await created('hstdin', (s, b) => {
      s.process.args = ['sleep', '30'];
      s.annotations = { 'org.example': 'a' };
      s.hooks = {
        prestart: [dump('prestart', b.out)],
        createRuntime: [dump('createRuntime', b.out)],
        createContainer: [dump('createContainer', b.out)],
        startContainer: [dump('startContainer', '/out')],
        poststart: [dump('poststart', b.out)],
        poststop: [dump('poststop', work)],
      };
    });
    await rt('start', 'hstdin');
    await waitFor(() => existsSync(path.join(c.out, 'poststart.json')), { what: 'poststart' });
    await rt('delete', '--force', 'hstdin');
    const read = (dir: string, kind: string) => JSON.parse(readFileSync(path.join(dir, `${kind}.json`), 'utf8'));
    const expected = (status: string, pid: number) => ({ ociVersion: '1.2.0', id: 'hstdin', status, pid, bundle: c.dir, annotations: { 'org.example': 'a' } });
    for (const kind of ['prestart', 'createRuntime', 'createContainer']) expect(read(c.out, kind)).toEqual(expected('creating', c.pid));
    expect(read(c.out, 'startContainer')).toEqual(expected('created', c.pid));
    expect(read(c.out, 'poststart')).toEqual(expected('running', c.pid));
    expect(read(work, 'poststop')).toEqual(expected('stopped', 0));
    for (const kind of ['prestart', 'createContainer', 'startContainer', 'poststart']) expect(readFileSync(path.join(c.out, `${kind}.env`), 'utf8')).toBe('argzero hv\n');
  });

  it('hostname: hostname and domainname are set in the container\'s UTS namespace', async () => {
    const r = await runScript('hostname', 'hostname; cat /proc/sys/kernel/domainname', (s) => {
      s.hostname = 'conformance';
      s.domainname = 'example.org';
    });
    expect(r).toMatchObject({ code: 0, stdout: 'conformance\nexample.org\n' });
  });

  it('linux_cgroups_memory: limit, reservation and swap in the memory cgroup at an absolute cgroupsPath', async () => {
    // containerd's shape (/<namespace>/<id>), one level deeper: both levels are made, and removed at delete
    const c = await created('cgmem', (s) => {
      s.process.args = ['sleep', '30'];
      s.linux.cgroupsPath = '/minibox-conformance/ns/cgmem';
      s.linux.resources.memory = { limit: 64 << 20, reservation: 32 << 20 };
    });
    const dir = pathDir('/minibox-conformance/ns/cgmem', 'memory');
    const v1 = existsSync(path.join(dir, 'memory.limit_in_bytes'));
    expect(readFileSync(path.join(dir, v1 ? 'memory.limit_in_bytes' : 'memory.max'), 'utf8').trim()).toBe(String(64 << 20));
    expect(readFileSync(path.join(dir, v1 ? 'memory.soft_limit_in_bytes' : 'memory.low'), 'utf8').trim()).toBe(String(32 << 20));
    await expectCgroupsPathHonoured('cgmem', c.pid, '/minibox-conformance/ns/cgmem', 'memory', '/minibox-conformance');
  });

  it('linux_cgroups_path: a relative cgroupsPath is under minibox/; "..", control characters and the root are refused', async () => {
    const c = await created('cgrel', (s) => {
      s.process.args = ['sleep', '30'];
      s.linux.cgroupsPath = 'machine.slice/libpod-cgrel.scope';
    });
    expect(existsSync(pathDir('machine.slice/libpod-cgrel.scope', 'pids'))).toBe(true);
    await expectCgroupsPathHonoured('cgrel', c.pid, 'machine.slice/libpod-cgrel.scope', 'pids', 'machine.slice');
    for (const [n, bad, msg] of [
      ['1', '/a/../../escape', 'minibox-runtime: config.json: linux.cgroupsPath "/a/../../escape" has a ".." component (give a path inside the cgroup hierarchy)\n'],
      ['2', '/a\tb', 'minibox-runtime: config.json: linux.cgroupsPath "/a\\tb" has a control character\n'],
      ['3', '/', 'minibox-runtime: config.json: linux.cgroupsPath "/" names the cgroup root (give a path below it)\n'],
    ] as const) {
      const b = await bundle(`cgbad${n}`, (s) => (s.linux.cgroupsPath = bad));
      expect(await rt('create', '--bundle', b.dir, `cgbad${n}`)).toEqual({ code: 1, stdout: '', stderr: msg });
    }
    expect(leftInRoot()).toEqual([]);
  });

  it('linux_cgroups_cpus: shares, quota, period and cpuset.cpus', async () => {
    const c = await created('cgcpu', (s) => {
      s.process.args = ['sleep', '30'];
      s.linux.cgroupsPath = '/minibox-conformance-cpu';
      s.linux.resources.cpu = { shares: 512, quota: 50000, period: 100000, cpus: '0' };
    });
    if (existsSync(path.join(cgroupDir(c.pid, 'cpu'), 'cpu.shares'))) {
      expect(cg(c.pid, 'cpu', 'cpu.shares')).toBe('512');
      expect(cg(c.pid, 'cpu', 'cpu.cfs_quota_us')).toBe('50000');
      expect(cg(c.pid, 'cpu', 'cpu.cfs_period_us')).toBe('100000');
    } else {
      expect(cg(c.pid, 'cpu', 'cpu.max')).toBe('50000 100000');
    }
    expect(cg(c.pid, 'cpuset', 'cpuset.cpus')).toBe('0');
    expect(cgroupDir(c.pid, 'cpuset')).toBe(pathDir('/minibox-conformance-cpu', 'cpuset'));
    expect(await rt('delete', '--force', 'cgcpu')).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(pathDir('/minibox-conformance-cpu', 'cpuset'))).toBe(false);
    expect(existsSync(pathDir('/minibox-conformance-cpu', 'cpu'))).toBe(false);
  });

  it('linux_cgroups_pids: pids.max, and a fork past it fails inside', async () => {
    const c = await created('cgpids', (s) => {
      s.process.args = ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait'];
      s.linux.resources.pids = { limit: 4 };
    });
    // read while the init is in it (an exited task shows the root cgroup)
    const dir = cgroupDir(c.pid, 'pids');
    expect(readFileSync(path.join(dir, 'pids.max'), 'utf8').trim()).toBe('4');
    await rt('start', 'cgpids');
    // the kernel counts the forks it refused at the limit
    await waitFor(() => Number(readFileSync(path.join(dir, 'pids.events'), 'utf8').trim().split(' ')[1]) > 0, { what: 'a fork refused at pids.max' });
  });

  it('linux_cgroups_devices: only the devices linux.resources.devices allows can be opened, with the access it gives', async () => {
    // fuse (10:229) is not allowed (opening it would work or fail with ENODEV otherwise); kmsg (1:11) is, for writing only
    const r = await runScript('cgdev', '(echo x > /dev/fuse2) 2>&1 | grep -q "Operation not permitted" && echo fuse-denied; echo minibox-conformance > /dev/kmsg2 && echo kmsg-write; head -c1 /dev/kmsg2 >/dev/null 2>&1 && echo kmsg-read || echo kmsg-read-denied', (s) => {
      s.process.capabilities = { bounding: ['CAP_DAC_OVERRIDE'], effective: ['CAP_DAC_OVERRIDE'], permitted: ['CAP_DAC_OVERRIDE'] };
      s.linux.devices = [
        { path: '/dev/fuse2', type: 'c', major: 10, minor: 229, fileMode: 0o600 },
        { path: '/dev/kmsg2', type: 'c', major: 1, minor: 11, fileMode: 0o600 },
      ];
      s.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }];
    });
    expect(r).toMatchObject({ code: 0, stdout: 'fuse-denied\nkmsg-write\nkmsg-read-denied\n' });
  });

  it('linux_devices: linux.devices nodes are made with their type, numbers, mode, uid and gid', async () => {
    const r = await runScript('devices', 'stat -c "%F %t:%T %a %u %g" /dev/mydev; head -c1 /dev/mydev | wc -c', (s) => {
      // readable by others: the process has no CAP_DAC_OVERRIDE (spec's default caps)
      s.linux.devices = [{ path: '/dev/mydev', type: 'c', major: 1, minor: 9, fileMode: 0o644, uid: 7, gid: 8 }];
      s.linux.resources.devices.push({ allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' });
    });
    expect(r).toMatchObject({ code: 0, stdout: 'character special file 1:9 644 7 8\n1\n' });
  });

  it('linux_masked_paths: a masked file reads empty, a masked directory is empty', async () => {
    const r = await runScript('masked', 'cat /data/secret; echo "[$(ls /out)]"', (s, b) => {
      writeFileSync(path.join(b.out, 'visible'), '');
      s.linux.maskedPaths.push('/data/secret', '/out');
    });
    expect(r).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('linux_readonly_paths: writes under a read-only path fail with EROFS', async () => {
    const r = await runScript('ropaths', 'touch /data/new 2>&1 | grep -q "Read-only" && echo erofs; touch /out/ok && echo writable', (s) => {
      s.root.readonly = false;
      s.linux.readonlyPaths.push('/data');
    });
    expect(r).toMatchObject({ code: 0, stdout: 'erofs\nwritable\n' });
  });

  it('linux_ns_path: namespaces with a path are joined, not made (net, ipc, uts, pid, cgroup)', async () => {
    const holder = spawn('unshare', ['--net', '--ipc', '--uts', '--cgroup', '--pid', '--fork', 'sleep', '300'], { stdio: 'ignore' });
    holders.push(holder);
    const hp = holder.pid!;
    await waitFor(() => {
      try {
        return readlinkSync(`/proc/${hp}/ns/pid_for_children`) !== readlinkSync('/proc/self/ns/pid') && readlinkSync(`/proc/${hp}/ns/net`) !== readlinkSync('/proc/self/ns/net');
      } catch {
        return false;
      }
    }, { what: 'the holder\'s namespaces' });
    const want = { net: `/proc/${hp}/ns/net`, ipc: `/proc/${hp}/ns/ipc`, uts: `/proc/${hp}/ns/uts`, pid: `/proc/${hp}/ns/pid_for_children`, cgroup: `/proc/${hp}/ns/cgroup` };
    const r = await runScript('nspath', 'for n in net ipc uts pid cgroup mnt; do readlink /proc/self/ns/$n; done', (s) => {
      const byType: Record<string, string> = { network: want.net, ipc: want.ipc, uts: want.uts, pid: want.pid, cgroup: want.cgroup };
      s.linux.namespaces = s.linux.namespaces.map((n: any) => (byType[n.type] ? { type: n.type, path: byType[n.type] } : n));
    });
    expect(r.stderr).toBe('');
    const seen = r.stdout.trim().split('\n');
    expect(seen.slice(0, 5)).toEqual(Object.values(want).map((p) => readlinkSync(p)));
    // the mount namespace had no path: a new one
    expect(seen[5]).not.toBe(readlinkSync('/proc/self/ns/mnt'));
  });

  it('linux_rootfs_propagation: "/" is shared, slave or private as rootfsPropagation says', async () => {
    const rootLine = (out: string) => out.split('\n').find((l) => l.split(' ')[4] === '/')!;
    const show = 'cat /proc/self/mountinfo';
    const shared = await runScript('propshared', show, (s) => (s.linux.rootfsPropagation = 'shared'));
    expect(rootLine(shared.stdout)).toMatch(/ shared:\d+/);
    // a slave needs a shared master: the rootfs on a shared mount of the host's
    const sharedRoot = path.join(work, 'shared-rootfs');
    mkdirSync(sharedRoot);
    execFileSync('mount', ['--bind', rootfs, sharedRoot]);
    try {
      execFileSync('mount', ['--make-shared', sharedRoot]);
      const slave = await runScript('propslave', show, (s) => {
        s.root.path = sharedRoot;
        s.linux.rootfsPropagation = 'rslave';
      });
      expect(rootLine(slave.stdout)).toMatch(/ master:\d+/);
      expect(rootLine(slave.stdout)).not.toMatch(/ shared:/);
      // without rootfsPropagation the container's root is cut off from the host's
      const dflt = await runScript('propdefault', show, (s) => (s.root.path = sharedRoot));
      expect(rootLine(dflt.stdout)).not.toMatch(/ (shared|master):/);
    } finally {
      execFileSync('umount', [sharedRoot]);
    }
    const priv = await runScript('propprivate', show, (s) => (s.linux.rootfsPropagation = 'private'));
    expect(rootLine(priv.stdout)).not.toMatch(/ (shared|master):/);
    const bad = await bundle('propbad', (s) => (s.linux.rootfsPropagation = 'sideways'));
    expect((await rt('create', '--bundle', bad.dir, 'propbad')).stderr).toMatch(/linux\.rootfsPropagation "sideways"/);
  });

  it('linux_seccomp: a syscall the profile denies fails with its errno; others work', async () => {
    const r = await runScript('seccomp', 'mkdir /tmp/x 2>&1 | grep -q "not permitted" && echo denied; ls / >/dev/null && echo ls-ok', (s) => {
      s.root.readonly = false;
      s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    expect(r).toMatchObject({ code: 0, stdout: 'denied\nls-ok\n' });
  });

  it('linux_sysctl: namespaced sysctls are set in the container only', async () => {
    const host = readFileSync('/proc/sys/kernel/msgmax', 'utf8').trim();
    const r = await runScript('sysctl', 'cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward', (s) => {
      s.linux.sysctl = { 'kernel.msgmax': '4096', 'net.ipv4.ip_forward': '1' };
    });
    expect(r).toMatchObject({ code: 0, stdout: '4096\n1\n' });
    expect(readFileSync('/proc/sys/kernel/msgmax', 'utf8').trim()).toBe(host);
  });

  it('linux_uid_mappings: a user namespace is refused clearly (not silently run as host root)', async () => {
    const b = await bundle('uidmap', (s) => {
      s.linux.namespaces.push({ type: 'user' });
      s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    const r = await rt('create', '--bundle', b.dir, 'uidmap');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/linux\.uidMappings is not supported by minibox-runtime/);
    expect(leftInRoot()).toEqual([]);
  });

  it('mounts: bind (dir, file, ro), tmpfs (size, mode) with nosuid/nodev/noexec, in the order given', async () => {
    const src = path.join(work, 'mount-src');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'f'), 'file-content\n');
    const r = await runScript('mounts', 'cat /mnt/ro/f; cat /etc/bound; touch /mnt/ro/x 2>/dev/null || echo ro; stat -c %a /mnt/t; grep -E " /mnt/(ro|t) " /proc/self/mountinfo | cut -d" " -f5,6', (s) => {
      s.mounts.push(
        { destination: '/mnt/ro', type: 'bind', source: src, options: ['rbind', 'ro', 'nosuid', 'nodev'] },
        { destination: '/etc/bound', type: 'bind', source: path.join(src, 'f'), options: ['bind'] },
        { destination: '/mnt/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'size=1m', 'mode=700'] },
      );
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 4)).toEqual(['file-content', 'file-content', 'ro', '700']);
    const opts = Object.fromEntries(r.stdout.trim().split('\n').slice(4).map((l) => l.split(' ')));
    expect(opts['/mnt/ro']).toMatch(/^ro,nosuid,nodev(,|$)/);
    expect(opts['/mnt/t']).toMatch(/nosuid,nodev,noexec/);
  });

  it('pidfile: create --pid-file writes the init\'s host pid, the one state reports', async () => {
    const b = await bundle('pidfile', (s) => (s.process.args = ['sleep', '30']));
    ids.push('pidfile');
    const file = path.join(b.dir, 'init.pid');
    expect((await rt('create', '--pid-file', file, '--bundle', b.dir, 'pidfile')).code).toBe(0);
    const pid = Number(readFileSync(file, 'utf8'));
    expect(pid).toBe((await stateOf('pidfile')).pid);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').length).toBeGreaterThan(0);
  });

  it('process: args, env, cwd, noNewPrivileges as given', async () => {
    const r = await runScript('process', 'echo "$0|$1|$FOO|$(pwd)"; grep NoNewPrivs /proc/self/status', (s) => {
      s.process.args.push('zero', 'one');
      s.process.env = ['PATH=/bin:/usr/bin', 'FOO=bar baz'];
      s.process.cwd = '/data';
      s.process.noNewPrivileges = true;
    });
    expect(r).toMatchObject({ code: 0, stdout: 'zero|one|bar baz|/data\nNoNewPrivs:\t1\n' });
  });

  it('process_capabilities: the bounding, effective and permitted sets are exactly the configured ones', async () => {
    const r = await runScript('caps', 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status', (s) => {
      const set = ['CAP_CHOWN', 'CAP_NET_RAW'];
      s.process.capabilities = { bounding: set, effective: set, permitted: set };
    });
    // CAP_CHOWN = 0, CAP_NET_RAW = 13
    expect(r).toMatchObject({ code: 0, stdout: 'CapPrm:\t0000000000002001\nCapEff:\t0000000000002001\nCapBnd:\t0000000000002001\n' });
  });

  it('process_rlimits: soft and hard limits as given', async () => {
    const r = await runScript('rlimits', 'ulimit -Sn; ulimit -Hn; ulimit -Sc; ulimit -Hc', (s) => {
      s.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 512, hard: 1000 },
        { type: 'RLIMIT_CORE', soft: 0, hard: 1024 },
      ];
    });
    // busybox reports RLIMIT_CORE in 512-byte blocks
    expect(r).toMatchObject({ code: 0, stdout: '512\n1000\n0\n2\n' });
  });

  it('process_user: uid, gid, additionalGids and umask', async () => {
    const r = await runScript('user', 'id -u; id -g; id -G; umask', (s) => {
      s.process.user = { uid: 1234, gid: 567, additionalGids: [10, 20], umask: 0o077 };
    });
    expect(r).toMatchObject({ code: 0, stdout: '1234\n567\n567 10 20\n0077\n' });
  });

  it('process_oom_score_adj: the container process has the configured oom_score_adj', async () => {
    const r = await runScript('oomadj', 'cat /proc/self/oom_score_adj', (s) => (s.process.oomScoreAdj = 500));
    expect(r).toMatchObject({ code: 0, stdout: '500\n' });
  });

  it('root_readonly_true: the root filesystem is mounted read-only', async () => {
    const r = await runScript('rootro', 'touch /newfile 2>&1 | grep -q "Read-only" && echo erofs; awk \'$5 == "/" { split($6, o, ","); print o[1] }\' /proc/self/mountinfo', (s) => {
      s.root.readonly = true;
    });
    expect(r).toMatchObject({ code: 0, stdout: 'erofs\nro\n' });
  });

  it('misc_props: a relative root.path resolves against the bundle; annotations reach state; an unknown hook kind is refused', async () => {
    const b = await bundle('misc', (s) => {
      s.root.path = path.relative(path.join(work, 'misc'), rootfs);
      s.annotations = { 'org.opencontainers.test': 'misc' };
      s.process.args = ['sleep', '30'];
    });
    ids.push('misc');
    expect((await rt('create', '--bundle', b.dir, 'misc')).code).toBe(0);
    expect(await stateOf('misc')).toMatchObject({ rootfs, annotations: { 'org.opencontainers.test': 'misc' } });
    const bad = await bundle('miscbad', (s) => (s.hooks = { preStart: [{ path: '/bin/true' }] }));
    expect((await rt('create', '--bundle', bad.dir, 'miscbad')).stderr).toMatch(/hooks\.preStart is not a hook/);
  });
});
