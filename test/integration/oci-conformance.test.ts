import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeStateRoot, type Result } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { RUNTIME, runtimeCli } from '../helpers/oci-runtime-cli.js';
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
/**
 * A whole block device of this host (/sys/block/<dev>/dev), the device of the blkio lines;
 * none in the v2 lane's qemu guest, whose root is 9p and whose kernel has no brd or loop.
 */
function blockDevice(): { major: number; minor: number } | undefined {
  const names = readdirSync('/sys/block');
  const name = names.find((n) => !/^(loop|ram|zram|sr|nbd)/.test(n)) ?? names[0];
  if (name === undefined) return undefined;
  const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
  return { major: major!, minor: minor! };
}
/** The host's default huge page size as hugetlb files name it (2048kB → 2MB); 2MB without hugepages. */
function hugePageSize(): string {
  const m = /^Hugepagesize:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  const kb = m ? Number(m[1]) : 2048;
  return kb >= 1 << 20 ? `${kb >> 20}GB` : kb >= 1024 ? `${kb >> 10}MB` : `${kb}KB`;
}
/** Is a hugetlb controller there for containers: a v1 mount, or offered by the v2 root? */
function hugetlbController(): boolean {
  if (existsSync('/sys/fs/cgroup/hugetlb')) return true;
  const v2 = '/sys/fs/cgroup/cgroup.controllers';
  return existsSync(v2) && readFileSync(v2, 'utf8').split(/\s+/).includes('hugetlb');
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

  it('kill_all: kill signals the init only, kill --all every process of the container; delete --force ends a running one', async () => {
    // the init and a child each log USR1 (their sleeps die of it; the loops go on)
    const c = await created('killall', (s) => (s.process.args = ['sh', '-c', '(trap "echo child >> /out/sig" USR1; echo ready > /out/child; while :; do sleep 1; done) & trap "echo init >> /out/sig" USR1; echo ready > /out/init; while :; do sleep 1; done']));
    await rt('start', 'killall');
    await waitFor(() => existsSync(path.join(c.out, 'init')) && existsSync(path.join(c.out, 'child')), { what: 'both traps set' });
    const sig = () => (existsSync(path.join(c.out, 'sig')) ? readFileSync(path.join(c.out, 'sig'), 'utf8').split('\n').filter(Boolean).sort() : []);
    expect((await rt('kill', 'killall', 'USR1')).code).toBe(0);
    await waitFor(() => sig().length > 0, { what: 'the init to log USR1' });
    // time enough for a child's trap (a loop of 1 s sleeps: its trap runs within a second)
    await new Promise((r) => setTimeout(r, 1500));
    expect(sig()).toEqual(['init']);
    expect((await rt('kill', '--all', 'killall', 'USR1')).code).toBe(0);
    await waitFor(() => sig().length === 3, { what: 'the init and the child to log USR1' });
    expect(sig()).toEqual(['child', 'init', 'init']);
    const pids: number[] = JSON.parse((await rt('ps', '--format', 'json', 'killall')).stdout);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    const dir = cgroupDir(c.pid, 'pids');
    expect((await stateOf('killall')).status).toBe('running');
    expect(await rt('delete', '--force', 'killall')).toMatchObject({ code: 0, stderr: '' });
    expect(pids.filter(processAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(leftInRoot()).toEqual([]);
    // runc: delete --force of a container that is not there is no error
    expect(await rt('delete', '--force', 'killall')).toMatchObject({ code: 0, stderr: '' });
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
    const hook = (kind: string, file = log, before = '') => ({ path: '/bin/sh', args: ['sh', '-c', `${before}echo ${kind} $(readlink /proc/self/ns/mnt) >> ${file}`] });
    const c = await created('hooks', (s, b) => {
      s.process.args = ['sh', '-c', 'echo program >> /out/hooks.log; sleep 30'];
      s.hooks = {
        prestart: [hook('prestart', path.join(b.out, 'hooks.log'))],
        createRuntime: [hook('createRuntime', path.join(b.out, 'hooks.log'))],
        createContainer: [hook('createContainer', path.join(b.out, 'hooks.log'))],
        // slow on purpose: poststart must still wait for it (start returns once it is through)
        startContainer: [hook('startContainer', '/out/hooks.log', 'sleep 0.5; ')],
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
    // a failing startContainer hook fails start: the program never runs
    const nostart = await created('hooknostart', (s) => {
      s.process.args = ['sh', '-c', 'echo program > /out/ran; sleep 30'];
      s.hooks = { startContainer: [{ path: '/bin/false' }] };
    });
    expect((await rt('start', 'hooknostart')).code).not.toBe(0);
    expect((await stateOf('hooknostart')).status).toBe('stopped');
    expect(existsSync(path.join(nostart.out, 'ran'))).toBe(false);
    expect((await rt('delete', 'hooknostart')).code).toBe(0);
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

  it('linux_cgroups_memory: limit, reservation and swap in the memory cgroup at an absolute cgroupsPath; no swap given limits none', async () => {
    // containerd's shape (/<namespace>/<id>), one level deeper: both levels are made, and removed at delete
    const c = await created('cgmem', (s) => {
      s.process.args = ['sleep', '30'];
      s.linux.cgroupsPath = '/minibox-conformance/ns/cgmem';
      s.linux.resources.memory = { limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20 };
    });
    const dir = pathDir('/minibox-conformance/ns/cgmem', 'memory');
    const v1 = existsSync(path.join(dir, 'memory.limit_in_bytes'));
    expect(readFileSync(path.join(dir, v1 ? 'memory.limit_in_bytes' : 'memory.max'), 'utf8').trim()).toBe(String(64 << 20));
    expect(readFileSync(path.join(dir, v1 ? 'memory.soft_limit_in_bytes' : 'memory.low'), 'utf8').trim()).toBe(String(32 << 20));
    // swap is memory+swap (runc's reading): v1's memsw as given, v2's swap.max the swap part only
    // (each file only where the kernel accounts swap)
    const swapFile = path.join(dir, v1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max');
    if (existsSync(swapFile)) expect(readFileSync(swapFile, 'utf8').trim()).toBe(String(v1 ? 96 << 20 : 32 << 20));
    await expectCgroupsPathHonoured('cgmem', c.pid, '/minibox-conformance/ns/cgmem', 'memory', '/minibox-conformance');
    // swap left out limits no swap (config-linux.md; runc writes no memsw): the root's unlimited value
    const noSwap = await created('cgmemnoswap', (s) => {
      s.process.args = ['sleep', '30'];
      s.linux.resources.memory = { limit: 64 << 20 };
    });
    const file = v1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max';
    if (existsSync(path.join(cgroupDir(noSwap.pid, 'memory'), file))) {
      expect(cg(noSwap.pid, 'memory', file)).toBe(v1 ? readFileSync(path.join('/sys/fs/cgroup/memory', file), 'utf8').trim() : 'max');
    }
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

  it('linux_cgroups_blkio: weight and the four throttles in the blkio (v1) or io (v2) cgroup', async () => {
    const d = blockDevice();
    const at = d && `${d.major}:${d.minor}`;
    const c = await created('cgblkio', (s) => {
      s.process.args = ['sleep', '30'];
      s.linux.cgroupsPath = '/minibox-conformance-blkio';
      s.linux.resources.blockIO = { weight: 300 };
      // throttles name a device: only where there is one (not in the v2 lane's guest)
      if (d) {
        Object.assign(s.linux.resources.blockIO, {
          throttleReadBpsDevice: [{ ...d, rate: 1048576 }],
          throttleWriteBpsDevice: [{ ...d, rate: 2097152 }],
          throttleReadIOPSDevice: [{ ...d, rate: 300 }],
          throttleWriteIOPSDevice: [{ ...d, rate: 400 }],
        });
      }
    });
    const dir = cgroupDir(c.pid, 'blkio');
    // no device, no throttle line: io.max is there and empty (only the v2 guest has no disk)
    if (!d) expect(cg(c.pid, 'blkio', 'io.max')).toBe('');
    if (existsSync(path.join(dir, 'blkio.throttle.read_bps_device'))) {
      // v1: BFQ's weight file where the kernel has it (runc's choice), each throttle its own file
      expect(cg(c.pid, 'blkio', existsSync(path.join(dir, 'blkio.bfq.weight')) ? 'blkio.bfq.weight' : 'blkio.weight')).toBe('300');
      expect(cg(c.pid, 'blkio', 'blkio.throttle.read_bps_device')).toBe(`${at} 1048576`);
      expect(cg(c.pid, 'blkio', 'blkio.throttle.write_bps_device')).toBe(`${at} 2097152`);
      expect(cg(c.pid, 'blkio', 'blkio.throttle.read_iops_device')).toBe(`${at} 300`);
      expect(cg(c.pid, 'blkio', 'blkio.throttle.write_iops_device')).toBe(`${at} 400`);
    } else {
      // v2: 300 raw into io.bfq.weight, or converted into io.weight as runc does (1 + 290 * 9999 / 990 = 1 + 2929 = 2930)
      if (existsSync(path.join(dir, 'io.bfq.weight'))) expect(cg(c.pid, 'blkio', 'io.bfq.weight')).toMatch(/^(default )?300$/m);
      else expect(cg(c.pid, 'blkio', 'io.weight')).toBe('default 2930');
      if (d) expect(cg(c.pid, 'blkio', 'io.max')).toBe(`${at} rbps=1048576 wbps=2097152 riops=300 wiops=400`);
    }
    await expectCgroupsPathHonoured('cgblkio', c.pid, '/minibox-conformance-blkio', 'blkio', '/minibox-conformance-blkio');
  });

  it('linux_cgroups_hugetlb: hugepageLimits in hugetlb.<size>.*, or a one-line refusal that leaves nothing where the controller is missing', async () => {
    const pageSize = hugePageSize();
    const limit = 4 * 1024 * 1024 * 1024;
    const edit = (s: any) => {
      s.process.args = ['sleep', '30'];
      s.linux.cgroupsPath = '/minibox-conformance-hugetlb';
      s.linux.resources.hugepageLimits = [{ pageSize, limit }];
    };
    if (hugetlbController()) {
      const c = await created('cghuge', edit);
      const dir = pathDir('/minibox-conformance-hugetlb', 'hugetlb');
      const v1 = existsSync(path.join(dir, `hugetlb.${pageSize}.limit_in_bytes`));
      expect(readFileSync(path.join(dir, v1 ? `hugetlb.${pageSize}.limit_in_bytes` : `hugetlb.${pageSize}.max`), 'utf8').trim()).toBe(String(limit));
      await expectCgroupsPathHonoured('cghuge', c.pid, '/minibox-conformance-hugetlb', 'hugetlb', '/minibox-conformance-hugetlb');
    } else {
      const b = await bundle('cghuge', edit);
      const r = await rt('create', '--bundle', b.dir, 'cghuge');
      expect(r).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/^minibox-runtime: linux\.resources\.hugepageLimits: the hugetlb cgroup controller is not (mounted on this host|available in this cgroup)\n$/) });
      expect(leftInRoot()).toEqual([]);
      expect(existsSync(pathDir('/minibox-conformance-hugetlb', 'memory'))).toBe(false);
    }
  });

  it('linux_cgroups_unified: written as given on v2, refused on v1 as runc does (nothing left behind); a key with a path is refused', async () => {
    const edit = (s: any) => {
      s.process.args = ['sleep', '30'];
      s.linux.cgroupsPath = '/minibox-conformance-unified';
      s.linux.resources.unified = { 'pids.max': '7' };
    };
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const c = await created('cgunified', edit);
      expect(cg(c.pid, 'pids', 'pids.max')).toBe('7');
    } else {
      const b = await bundle('cgunified', edit);
      expect(await rt('create', '--bundle', b.dir, 'cgunified')).toEqual({ code: 1, stdout: '', stderr: 'minibox-runtime: invalid configuration: cannot use unified on cgroup v1\n' });
      expect(leftInRoot()).toEqual([]);
      expect(existsSync(pathDir('/minibox-conformance-unified', 'pids'))).toBe(false);
    }
    const bad = await bundle('cgunibad', (s) => (s.linux.resources.unified = { '../pids.max': '1' }));
    expect(await rt('create', '--bundle', bad.dir, 'cgunibad')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'minibox-runtime: invalid config.json linux.resources.unified key "../pids.max": must be a file name (no slashes)\n',
    });
    expect(leftInRoot().filter((n) => n === 'cgunibad')).toEqual([]);
  });

  it('preserve_fds: --preserve-fds 1 gives the caller\'s fd 3 to the container process as its fd 3, and no fd past it', async () => {
    const b = await bundle('pfds', (s) => (s.process.args = ['sh', '-c', 'cat <&3 > /out/got; for f in 4 5 6 7 8 9; do [ -e /proc/self/fd/$f ] && echo $f; done > /out/extra; echo done > /out/done']));
    ids.push('pfds');
    const passed = path.join(work, 'pfds-passed');
    writeFileSync(passed, 'through fd 3\n');
    const fd = openSync(passed, 'r');
    const outFile = path.join(work, 'pfds.create-out');
    const out = openSync(outFile, 'w');
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--', RUNTIME, '--root', state.root, 'create', '--preserve-fds', '1', '--bundle', b.dir, 'pfds'], { stdio: ['ignore', out, out, fd] });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c ?? 1));
    }).finally(() => {
      closeSync(fd);
      closeSync(out);
    });
    expect({ code, stderr: readFileSync(outFile, 'utf8') }).toEqual({ code: 0, stderr: '' });
    expect(await rt('start', 'pfds')).toMatchObject({ code: 0 });
    await waitFor(() => existsSync(path.join(b.out, 'done')), { what: 'the program to read fd 3' });
    expect(readFileSync(path.join(b.out, 'got'), 'utf8')).toBe('through fd 3\n');
    expect(readFileSync(path.join(b.out, 'extra'), 'utf8')).toBe('');
  });

  it('start_exec_error: a program gone by start is told on the container\'s stderr as runc\'s init does, unframed, and the init exits 127', async () => {
    const prog = path.join(rootfs, 'bin', 'vanishing');
    writeFileSync(prog, '#!/bin/sh\n', { mode: 0o755 });
    // there at create (which checks it), gone by start
    const c = await created('vanish', (s) => (s.process.args = ['vanishing'])).finally(() => rmSync(prog, { force: true }));
    expect(await rt('start', 'vanish')).toMatchObject({ code: 0 });
    await waitFor(async () => (await stateOf('vanish')).status === 'stopped', { what: 'the init to give up' });
    expect(readFileSync(path.join(work, 'vanish.create-out'), 'utf8')).toBe('exec: "vanishing": executable file not found in $PATH\n');
    // re-parented to PID 1, which does not reap on this VM: its exit status is still in /proc (field 52)
    if (existsSync(`/proc/${c.pid}/stat`)) {
      const stat = readFileSync(`/proc/${c.pid}/stat`, 'utf8');
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[49]) >> 8).toBe(127);
    }
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
    const holder = spawn('unshare', ['--net', '--ipc', '--uts', '--cgroup', '--pid', '--fork', '--kill-child', 'sleep', '300'], { stdio: 'ignore' });
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

  it('linux_ns_host: without pid, ipc and uts namespaces the container shares the host\'s; kill, ps and delete reach its processes', async () => {
    const host = (s: any) => {
      s.linux.namespaces = s.linux.namespaces.filter((n: any) => !['pid', 'ipc', 'uts'].includes(n.type));
      delete s.hostname;
    };
    // a child outlives the init: no pid namespace ends with it
    const r = await runScript('nshost', 'sleep 302 >/dev/null 2>&1 & for n in pid ipc uts mnt net; do readlink /proc/self/ns/$n; done; hostname; echo $$; sed -n 1p /proc/1/status; echo $!', host);
    expect(r.stderr).toBe('');
    const [pid, ipc, uts, mnt, net, hostname, self, init, orphan] = r.stdout.trim().split('\n');
    // the test process is in the host's namespaces
    expect([pid, ipc, uts]).toEqual(['pid', 'ipc', 'uts'].map((n) => readlinkSync(`/proc/self/ns/${n}`)));
    expect(mnt).not.toBe(readlinkSync('/proc/self/ns/mnt'));
    expect(net).not.toBe(readlinkSync('/proc/self/ns/net'));
    expect(hostname).toBe(os.hostname());
    // not pid 1: its pid is a host pid, and the /proc it mounted shows the host's init
    expect(Number(self)).toBeGreaterThan(1);
    expect(init).toBe(readFileSync('/proc/1/status', 'utf8').split('\n')[0]);
    // run ends the container as runc's destroy does: what its init left in its cgroup is killed
    await waitFor(() => !processAlive(Number(orphan)), { what: 'the orphan killed at the end of run' });

    // a child left running besides the init: kill reaches the init, delete what is left
    const c = await created('nshostkill', (s) => {
      host(s);
      s.process.args = ['sh', '-c', 'sleep 301 >/dev/null 2>&1 & echo started > /out/started; exec sleep 300'];
    });
    expect(readlinkSync(`/proc/${c.pid}/ns/pid`)).toBe(readlinkSync('/proc/self/ns/pid'));
    expect((await rt('start', 'nshostkill')).code).toBe(0);
    await waitFor(() => existsSync(path.join(c.out, 'started')), { what: 'the container program' });
    let pids: number[] = [];
    await waitFor(async () => {
      pids = JSON.parse((await rt('ps', '--format', 'json', 'nshostkill')).stdout);
      return pids.length === 2;
    }, { what: 'both processes in ps' });
    expect(pids).toContain(c.pid);
    expect((await stateOf('nshostkill')).status).toBe('running');
    expect((await rt('kill', 'nshostkill', 'KILL')).code).toBe(0);
    await waitFor(async () => (await stateOf('nshostkill')).status === 'stopped', { what: 'stopped after KILL' });
    const left = pids.filter((p) => p !== c.pid);
    expect(left.filter(processAlive)).toEqual(left);
    expect(await rt('delete', 'nshostkill')).toMatchObject({ code: 0, stderr: '' });
    await waitFor(() => pids.every((p) => !processAlive(p)), { what: 'every process of the container gone' });
  });

  it('linux_ns_host_refused: a config without a mount namespace is refused in one line; nothing is left', async () => {
    const b = await bundle('nomntns', (s) => (s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'mount')));
    const r = await rt('create', '--bundle', b.dir, 'nomntns');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^minibox-runtime: config\.json: linux\.namespaces has no mount namespace: .*\(add \{"type":"mount"\} to linux\.namespaces\)\n$/);
    const withHostname = await bundle('noutsname', (s) => (s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'uts')));
    expect((await rt('create', '--bundle', withHostname.dir, 'noutsname')).stderr).toMatch(/unable to set hostname without a private UTS namespace/);
    expect(leftInRoot()).toEqual([]);
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

  it('linux_uid_mappings: a user namespace with the given maps; its root is host uid 100000, files it makes are 100000\'s', async () => {
    // the mapped root walks the paths to the rootfs and /out itself (runc's rule too): search on
    // the work dir, /out its own; the rootfs stays the host's (not chowned), world-readable
    chmodSync(work, 0o711);
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    // our own hard limit: raising it needs CAP_SYS_RESOURCE, which this host's root lacks
    const hardNofile = Number(/^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
    const c = await created('uidmap', (s, b) => {
      chownSync(b.out, 100000, 100000);
      s.process.args = ['sh', '-c', 'exec > /out/log 2>&1; cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; hostname; touch /out/made; echo x > /tmp/t/f; stat -c "%u %g" /tmp/t/f; head -c1 /dev/zero | wc -c; stat -c %t:%T /dev/kmsg; ls /sys/kernel >/dev/null && echo sys; ulimit -Hn; grep CapEff /proc/self/status; mkdir /tmp/t/d 2>&1 | grep -q "not permitted" && echo seccomp-denied; echo done > /out/done; exec sleep 30'];
      s.linux.namespaces.push({ type: 'user' });
      s.linux.uidMappings = map;
      s.linux.gidMappings = map;
      s.hostname = 'userns';
      // no mknod in a user namespace: the host's node of that path is bound
      s.linux.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o600 }];
      s.mounts.push({ destination: '/tmp/t', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      // set by the parent (prlimit): in a user namespace the init could not raise a hard limit
      s.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: hardNofile }];
      s.linux.resources.pids = { limit: 50 };
      s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    // the host's view of the created init: root of its own user namespace is host uid 100000, in its cgroup
    const status = readFileSync(`/proc/${c.pid}/status`, 'utf8');
    expect(status).toMatch(/^Uid:\t100000\t100000\t100000\t100000$/m);
    expect(status).toMatch(/^Gid:\t100000\t100000\t100000\t100000$/m);
    expect(readlinkSync(`/proc/${c.pid}/ns/user`)).not.toBe(readlinkSync('/proc/self/ns/user'));
    expect(cg(c.pid, 'pids', 'pids.max')).toBe('50');
    expect(await rt('start', 'uidmap')).toMatchObject({ code: 0, stderr: '' });
    await waitFor(() => existsSync(path.join(c.out, 'done')), { what: 'the program in the user namespace' });
    const line = (m: { containerID: number; hostID: number; size: number }) => `${String(m.containerID).padStart(10)} ${String(m.hostID).padStart(10)} ${String(m.size).padStart(10)}`;
    expect(readFileSync(path.join(c.out, 'log'), 'utf8')).toBe([line(map[0]!), line(map[0]!), '0', '0', 'userns', '0 0', '1', '1:b', 'sys', String(hardNofile), 'CapEff:\t0000000020000420', 'seccomp-denied', ''].join('\n'));
    // what container root made in the bind mount is host 100000's
    expect(statSync(path.join(c.out, 'made'))).toMatchObject({ uid: 100000, gid: 100000 });
    // exec joins the container's user namespace first: root there, not the host's root
    const ex = await rt('exec', 'uidmap', 'sh', '-c', 'id -u; readlink /proc/self/ns/user; grep ^Uid /proc/self/status');
    expect(ex).toMatchObject({ code: 0, stdout: `0\n${readlinkSync(`/proc/${c.pid}/ns/user`)}\nUid:\t0\t0\t0\t0\n`, stderr: '' });

    // no network namespace: sysfs cannot be mounted fresh, the host's /sys is bound read-only (runc's way)
    const hostNet = await runScript('uidmapnet', 'ls /sys/class/net; awk \'$5 == "/sys" { split($6, o, ","); print o[1] }\' /proc/self/mountinfo; readlink /proc/self/ns/net', (s) => {
      s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'network');
      s.linux.namespaces.push({ type: 'user' });
      s.linux.uidMappings = map;
      s.linux.gidMappings = map;
    });
    expect(hostNet.stderr).toBe('');
    expect(hostNet.stdout.trim().split('\n')).toEqual([...readdirSync('/sys/class/net').sort(), 'ro', readlinkSync('/proc/self/ns/net')]);
  });

  it('linux_ns_path_user: a user namespace with a path is joined first; the new namespaces are its own', async () => {
    chmodSync(work, 0o711);
    const holder = spawn('unshare', ['--user', 'sleep', '300'], { stdio: 'ignore' });
    holders.push(holder);
    const hp = holder.pid!;
    await waitFor(() => {
      try {
        return readlinkSync(`/proc/${hp}/ns/user`) !== readlinkSync('/proc/self/ns/user');
      } catch {
        return false;
      }
    }, { what: 'the holder\'s user namespace' });
    // its maps, written as root of ours (what newuidmap would do)
    writeFileSync(`/proc/${hp}/uid_map`, '0 200000 65536\n');
    writeFileSync(`/proc/${hp}/gid_map`, '0 200000 65536\n');
    const c = await created('usernspath', (s, b) => {
      chownSync(b.out, 200000, 200000);
      s.process.args = ['sh', '-c', 'readlink /proc/self/ns/user > /out/ns; id -u >> /out/ns; touch /out/made'];
      s.linux.namespaces.push({ type: 'user', path: `/proc/${hp}/ns/user` });
    });
    expect(readFileSync(`/proc/${c.pid}/status`, 'utf8')).toMatch(/^Uid:\t200000\t200000\t200000\t200000$/m);
    // the namespaces made for the container are owned by the joined one (the proc, mqueue, sysfs mounts need that)
    expect(readlinkSync(`/proc/${c.pid}/ns/user`)).toBe(readlinkSync(`/proc/${hp}/ns/user`));
    await rt('start', 'usernspath');
    await waitFor(() => existsSync(path.join(c.out, 'made')), { what: 'the program' });
    expect(readFileSync(path.join(c.out, 'ns'), 'utf8')).toBe(`${readlinkSync(`/proc/${hp}/ns/user`)}\n0\n`);
    expect(statSync(path.join(c.out, 'made')).uid).toBe(200000);
  });

  it('linux_uid_mappings_refused: mappings without a user namespace are refused in one line; nothing is left', async () => {
    const b = await bundle('uidmapbad', (s) => {
      s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    expect(await rt('create', '--bundle', b.dir, 'uidmapbad')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'minibox-runtime: config.json: user namespace mappings specified, but user namespace isn\'t enabled in the config (add {"type":"user"} to linux.namespaces)\n',
    });
    const none = await bundle('usernomap', (s) => s.linux.namespaces.push({ type: 'user' }));
    expect((await rt('create', '--bundle', none.dir, 'usernomap')).stderr).toBe('minibox-runtime: config.json: user namespaces enabled, but no namespace path to join nor mappings to apply specified\n');
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

    // a mount's propagation option (config.md "mounts": options): its peer group tag in mountinfo
    const prop = await runScript('mountsprop', 'awk \'$5 ~ /^\\/mnt\\// { tags = ""; for (i = 7; $i != "-"; i++) tags = tags " " $i; print $5 tags }\' /proc/self/mountinfo', (s) => {
      s.mounts.push(
        { destination: '/mnt/sh', type: 'bind', source: src, options: ['rbind', 'rshared'] },
        { destination: '/mnt/pr', type: 'bind', source: src, options: ['rbind', 'rprivate'] },
        { destination: '/mnt/ub', type: 'bind', source: src, options: ['rbind', 'runbindable'] },
      );
    });
    expect(prop.stderr).toBe('');
    const tags = Object.fromEntries(prop.stdout.trim().split('\n').map((l) => [l.split(' ')[0], l.split(' ').slice(1)]));
    expect(tags['/mnt/sh']).toEqual([expect.stringMatching(/^shared:\d+$/)]);
    expect(tags['/mnt/pr']).toEqual([]);
    expect(tags['/mnt/ub']).toEqual(['unbindable']);
  });

  it('mounts_fs: proc, sysfs, tmpfs, cgroup at new destinations and the standard ones as podman lists them, with their options, one mount each', async () => {
    // a symlink in the rootfs to an absolute path there is both on the host and in the rootfs:
    // the destination resolves inside the rootfs
    const outside = path.join(work, 'outside');
    mkdirSync(outside, { recursive: true });
    mkdirSync(path.join(rootfs, outside), { recursive: true });
    rmSync(path.join(rootfs, 'outside'), { force: true });
    execFileSync('ln', ['-s', outside, path.join(rootfs, 'outside')]);
    const script = [
      'test -f /altproc/self/status && echo proc-status',
      'test -d /altsys/kernel && echo sys-kernel',
      'touch /altsys/x 2>/dev/null || echo sys-ro',
      'stat -c %a /deep/new/dir/t',
      'test -f /altcg/memory/memory.limit_in_bytes && echo cg-memory',
      'test -f /outside/p/self/status && echo outside-proc',
      'cat /proc/self/mountinfo',
    ].join('; ');
    const r = await runScript('mountsfs', script, (s) => {
      const podman: Record<string, any> = {
        '/dev/pts': { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0600', 'gid=5'] },
        '/dev/mqueue': { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
        '/dev/shm': { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1770', 'size=2m'] },
      };
      s.mounts = s.mounts.map((m: any) => podman[m.destination] ?? m);
      s.mounts.push(
        { destination: '/altproc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
        { destination: '/altsys', type: 'sysfs', source: 'sysfs', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
        { destination: '/deep/new/dir/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=750', 'nr_inodes=1k'] },
        { destination: '/altcg', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
        { destination: '/outside/p', type: 'proc', source: 'proc' },
      );
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual(['proc-status', 'sys-kernel', 'sys-ro', '750', 'cg-memory', 'outside-proc']);
    expect(existsSync(path.join(outside, 'p'))).toBe(false);
    expect(existsSync(path.join(rootfs, outside, 'p'))).toBe(true);
    // mountinfo: "id parent dev root mountpoint opts [tags] - type source superopts"
    const mounts = lines.slice(6).map((l) => {
      const [left, right] = l.split(' - ');
      const f = left!.split(' ');
      const [type, source, superOpts] = right!.split(' ');
      return { at: f[4]!, opts: f[5]!.split(','), type: type!, source: source!, superOpts: superOpts!.split(',') };
    });
    const at = (p: string) => {
      const found = mounts.filter((m) => m.at === p);
      expect(found, `one mount at ${p}`).toHaveLength(1);
      return found[0]!;
    };
    expect(at('/altproc')).toMatchObject({ type: 'proc', opts: expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']) });
    expect(at('/altsys')).toMatchObject({ type: 'sysfs', opts: expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']) });
    const deep = at('/deep/new/dir/t');
    expect(deep).toMatchObject({ type: 'tmpfs', opts: expect.arrayContaining(['rw', 'nosuid', 'nodev']) });
    expect(deep.opts).not.toContain('noexec');
    expect(deep.superOpts).toEqual(expect.arrayContaining(['size=1024k', 'nr_inodes=1024', 'mode=750']));
    expect(at('/dev/mqueue')).toMatchObject({ type: 'mqueue', opts: expect.arrayContaining(['nosuid', 'nodev', 'noexec']) });
    const pts = at('/dev/pts');
    expect(pts).toMatchObject({ type: 'devpts', opts: expect.arrayContaining(['nosuid', 'noexec']) });
    expect(pts.superOpts).toEqual(expect.arrayContaining(['gid=5', 'mode=600', 'ptmxmode=666']));
    const shm = at('/dev/shm');
    expect(shm).toMatchObject({ type: 'tmpfs', source: 'shm' });
    expect(shm.superOpts).toEqual(expect.arrayContaining(['size=2048k', 'mode=1770']));
    expect(at('/altcg')).toMatchObject({ type: 'tmpfs', opts: expect.arrayContaining(['ro']) });
    expect(at('/altcg/memory')).toMatchObject({ type: 'cgroup', opts: expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']) });
    // mounted where the symlink leads inside the rootfs
    expect(at(path.join(outside, 'p'))).toMatchObject({ type: 'proc' });
    // the standard ones the spec lists are still there: /sys read-only, its cgroup view
    expect(at('/sys')).toMatchObject({ type: 'sysfs', opts: expect.arrayContaining(['ro']) });
    expect(at('/sys/fs/cgroup/memory')).toMatchObject({ type: 'cgroup' });
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
