import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { removeAll } from '../helpers/detached.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { cgroupFile } from '../helpers/cgroup-paths.js';
import { freePort } from '../helpers/registry-lab/lifecycle.js';
import { allText, parseXml } from '../helpers/xml-wellformed.js';

/**
 * `minibox explain CONTAINER` (issue #17): the anatomy of a container, checked against other
 * witnesses — `inspect` and `image inspect` for the layers, the address and the published
 * port, the kernel's own files for the limits and the namespaces, iptables-save for the DNAT
 * rule, state.json for the monitor — and `--svg` parsed as XML. Stopped and missing
 * containers too.
 */
let root = '';
let cleanupRoot = () => {};
const mb = (...args: string[]) => minibox(args, { root });

const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 600 & wait'];
const VOLUME = 'explain-vol';
let scratch = '';
let port = 0;
let id = '';
let inspect: {
  State: { Pid: number };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[]>; Networks: Record<string, { IPAddress: string }> };
  Mounts: { Type: string; Name?: string; Destination: string }[];
};
let layers: string[] = []; // image inspect's RootFS.Layers: the diff ids, bottom → top
let lowerDirs: string[] = []; // image inspect's GraphDriver LowerDir, top → bottom

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

// the containers live through the whole file (the tests look at the same ones), so not
// useBusyboxRoot's afterEach removal: all of it goes at the end
beforeAll(async () => {
  ({ root, cleanup: cleanupRoot } = makeStateRoot());
  expect((await mb('load', '-q', '-i', await ensureBusyboxLayout())).code).toBe(0);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'explain-test-'));
  expect((await mb('volume', 'create', VOLUME)).code).toBe(0);
  port = await freePort();
  const run = await mb('run', '-d', '--name', 'ex-web', '-m', '64m', '--cpus', '0.5', '--pids-limit', '40', '-p', `127.0.0.1:${port}:80`, '-v', `${VOLUME}:/data`, 'busybox', ...SLEEPER);
  expect(run.code, run.stderr).toBe(0);
  id = run.stdout.trim();
  expect((await mb('run', '-d', '--network', 'none', '--name', 'ex-other', 'busybox', ...SLEEPER)).code).toBe(0);
  [inspect] = JSON.parse((await mb('inspect', 'ex-web')).stdout) as [typeof inspect];
  const [image] = JSON.parse((await mb('image', 'inspect', 'busybox')).stdout) as [{ RootFS: { Layers: string[] }; GraphDriver: { Data: { LowerDir: string } } }];
  layers = image.RootFS.Layers;
  lowerDirs = image.GraphDriver.Data.LowerDir.split(':');
});

afterAll(async () => {
  await removeAll(root);
  await mb('volume', 'rm', VOLUME);
  rmSync(scratch, { recursive: true, force: true });
  cleanupRoot();
  expect(leakcheck()).toEqual([]);
});

describe('explain of a running container', () => {
  let tree = '';
  let facts: {
    namespaces: { type: string; inode?: number; isolated: boolean }[];
    cgroup: { limits: { memoryBytes?: number; cpuQuotaUs?: number; cpuPeriodUs?: number; pids?: number }; usage?: { pids: number } };
    layers: { diffId?: string; dir: string; sharedWith: string[] }[];
    monitor?: { pid: number; rssBytes?: number };
    initPid: number;
  };
  beforeAll(async () => {
    const r = await mb('explain', 'ex-web');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    tree = r.stdout;
    facts = JSON.parse((await mb('explain', '--json', 'ex-web')).stdout) as typeof facts;
  });

  it('is a tree of box-drawing characters, without colour off a terminal', () => {
    expect(tree).toMatch(/^container ex-web \([0-9a-f]{12}\) {2}running /);
    expect(tree).toMatch(/^├─ namespaces/m);
    expect(tree).toMatch(/^└─ confinement/m);
    expect(tree).not.toContain('\x1b[');
  });

  it("shows the image's layers as image inspect has them, with their snapshot dirs, shared with the other container", () => {
    expect(facts.layers.map((l) => l.diffId)).toEqual(layers);
    expect(facts.layers.map((l) => l.dir).reverse()).toEqual(lowerDirs);
    for (const l of facts.layers) expect(l.sharedWith).toEqual(['ex-other']);
    for (const [i, diffId] of layers.entries()) expect(tree).toContain(`layer ${i}  ${short(diffId)}`);
    for (const dir of lowerDirs) expect(tree).toContain(dir);
    expect(tree).toContain('shared with: ex-other');
    expect(tree).toContain(path.join(root, 'containers', id, 'upper'));
  });

  it("shows each layer's size as image inspect counts it, and the upper dir growing by what the container writes", async () => {
    const [image] = JSON.parse((await mb('image', 'inspect', 'busybox')).stdout) as [{ Size: number }];
    const sizes = (facts.layers as Array<{ bytes?: number }>).map((l) => l.bytes ?? 0);
    expect(sizes.every((b) => b > 0)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(image.Size);
    const KIB = 300;
    expect((await mb('exec', 'ex-web', 'dd', 'if=/dev/zero', 'of=/explain-grown', 'bs=1024', `count=${KIB}`)).code).toBe(0);
    try {
      const after = JSON.parse((await mb('explain', '--json', 'ex-web')).stdout) as { upper: { dir: string; bytes: number } };
      expect(after.upper.dir).toBe(path.join(root, 'containers', id, 'upper'));
      expect(after.upper.bytes).toBeGreaterThanOrEqual(KIB * 1024);
      expect(after.upper.bytes).toBeLessThan(KIB * 1024 + 64 * 1024); // the file, and the little the container wrote before
      expect((await mb('explain', 'ex-web')).stdout).toMatch(/upper dir +30\d(\.\d)?KiB {2}\//);
    } finally {
      await mb('exec', 'ex-web', 'rm', '/explain-grown');
    }
  });

  it("shows the limits the kernel holds, and the usage", () => {
    const kernel = (v2: string, ctrl: string, v1: string) => readFileSync(cgroupFile(id, v2, ctrl, v1), 'utf8').trim();
    expect(Number(kernel('memory.max', 'memory', 'memory.limit_in_bytes'))).toBe(64 * 1024 * 1024);
    expect(facts.cgroup.limits.memoryBytes).toBe(64 * 1024 * 1024);
    expect(tree).toMatch(/memory +\S+ used, limit 64MiB/);
    expect(Number(kernel('pids.max', 'pids', 'pids.max'))).toBe(40);
    expect(facts.cgroup.limits.pids).toBe(40);
    expect(tree).toMatch(/pids +2 running, limit 40/); // sh and its sleep
    expect((facts.cgroup.limits.cpuQuotaUs ?? 0) / (facts.cgroup.limits.cpuPeriodUs ?? 1)).toBe(0.5);
    expect(tree).toMatch(/cpu +[0-9.]+ s used, limit 0\.5 CPU/);
    expect(tree).toContain(`/minibox/${id}`);
  });

  it("shows the published port's path as inspect has it, and the DNAT rule iptables holds", () => {
    const ip = inspect.NetworkSettings.Networks['bridge']?.IPAddress ?? '';
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(inspect.NetworkSettings.Ports['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    expect(tree).toContain(`host 127.0.0.1:${port}/tcp → DNAT → ${ip}:80 → bridge minibox0 → veth mbx${id.slice(0, 10)} → eth0 ${ip}:80`);
    const rule = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.includes(`--dport ${port} `) && l.includes(`--to-destination ${ip}:80`));
    expect(rule).toBeDefined();
    expect(tree).toContain(`iptables -t nat ${rule}`);
  });

  it("shows namespaces of its own where the kernel says they differ from the host's", () => {
    const pid = inspect.State.Pid;
    expect(facts.initPid).toBe(pid);
    const inode = (p: string, t: string) => Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${p}/ns/${t}`))?.[1]);
    for (const t of ['pid', 'mnt', 'net', 'uts', 'ipc', 'cgroup']) {
      const ns = facts.namespaces.find((n) => n.type === t);
      expect(ns, t).toMatchObject({ inode: inode(String(pid), t), isolated: true });
      expect(ns?.inode).not.toBe(inode('self', t));
      expect(tree).toMatch(new RegExp(`^│  [├└]─ ${t} +${ns?.inode} ≠ ${inode('self', t)}  new$`, 'm'));
    }
    // no user namespace: the host's
    expect(facts.namespaces.find((n) => n.type === 'user')).toMatchObject({ inode: inode('self', 'user'), isolated: false });
  });

  it('shows the volume, the monitor with its RSS, the init, the capabilities and seccomp', () => {
    expect(inspect.Mounts).toContainEqual(expect.objectContaining({ Type: 'volume', Name: VOLUME, Destination: '/data' }));
    expect(tree).toContain(`volume ${VOLUME} → /data (rw)  ${path.join(root, 'volumes', VOLUME, '_data')}`);
    const state = JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8')) as { shimPid: number };
    expect(facts.monitor?.pid).toBe(state.shimPid);
    expect(facts.monitor?.rssBytes).toBeGreaterThan(0);
    expect(tree).toMatch(new RegExp(`monitor pid ${state.shimPid} \\(minibox-shim\\), RSS [0-9.]+[KM]iB`));
    expect(tree).toContain(`init pid ${inspect.State.Pid} (pid 1 inside): sh -c`);
    expect(tree).toMatch(/capabilities \(14\): CHOWN .*NET_BIND_SERVICE/);
    expect(tree).toMatch(/seccomp: default SCMP_ACT_ERRNO, \d+ rules naming \d+ syscalls/);
  });

  it('--svg writes a well-formed SVG showing the layers, namespaces, cgroup and network path', async () => {
    const file = path.join(scratch, 'ex-web.svg');
    expect((await mb('explain', '--svg', file, 'ex-web')).code).toBe(0);
    const svg = readFileSync(file, 'utf8');
    const doc = parseXml(svg);
    expect(doc.name).toBe('svg');
    expect(doc.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
    const texts = allText(doc).join('\n');
    for (const diffId of layers) {
      expect(texts).toContain(short(diffId));
      expect(texts).toContain(diffId); // the full id in the layer's <title>
    }
    for (const t of ['pid', 'net', 'mnt', 'cgroup']) expect(texts).toContain(t);
    expect(texts).toMatch(/64MiB/);
    expect(texts).toContain(`host 127.0.0.1:${port}/tcp`);
    expect(texts).toContain('bridge minibox0');
  });
});

describe('explain of what is not running, or not there', () => {
  it('a stopped container: its layers and config, and that it is not running', async () => {
    expect((await mb('run', '--name', 'ex-done', '-m', '32m', 'busybox', 'true')).code).toBe(0);
    const r = await mb('explain', 'ex-done');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^container ex-done \([0-9a-f]{12}\) {2}exited /);
    expect(r.stdout).toContain('not running (exited)');
    expect(r.stdout).toContain('limit 32MiB');
    for (const [i, diffId] of layers.entries()) expect(r.stdout).toContain(`layer ${i}  ${short(diffId)}`);
    const file = path.join(scratch, 'ex-done.svg');
    expect((await mb('explain', 'ex-done', '--svg', file)).code).toBe(0);
    expect(allText(parseXml(readFileSync(file, 'utf8'))).join('\n')).toContain('not running');
    await mb('rm', 'ex-done');
  });

  it('a missing container: one line, exit 1, no SVG written', async () => {
    const file = path.join(scratch, 'missing.svg');
    const r = await mb('explain', '--svg', file, 'no-such-container');
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'minibox: No such container: no-such-container\n' });
    expect(existsSync(file)).toBe(false);
  });

  it('an SVG that cannot be written: one line naming the file, exit 1', async () => {
    const file = path.join(scratch, 'no-such-dir', 'x.svg');
    const r = await mb('explain', '--svg', file, 'ex-other');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^minibox: cannot write the SVG to ${file}: .+\\n$`));
  });
});
