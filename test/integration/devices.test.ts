import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { isV2 } from '../helpers/cgroup-paths.js';

/**
 * Devices as Docker confines them, shown from inside: only the default nodes in /dev, the
 * device cgroup (v1 `devices` controller here, the eBPF program in the v2 lane) lets a root
 * container mknod anything but open only the defaults; --device adds one node and its rule;
 * --privileged allows all. The probes only open nodes (`: <node`) or use /dev/null's numbers:
 * no test reads a host disk or memory. On this host, opening a mknod'ed 8:0 or 1:1 outside any
 * device cgroup fails with ENXIO (no such disk, no /dev/mem), so "Operation not permitted" is
 * the device cgroup's own answer.
 */
let root: string;
let cleanup: () => void;
const run = (args: string[]) => minibox(['run', '--rm', '--network', 'none', ...args], { root, timeoutMs: 60_000 });
const sh = (script: string, flags: string[] = []) => run([...flags, 'busybox', 'sh', '-c', script]);

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root })).code).toBe(0);
});

afterAll(() => {
  cleanup();
  expect(leakcheck()).toEqual([]);
});

const containerCount = () => (existsSync(path.join(root, 'containers')) ? readdirSync(path.join(root, 'containers')).length : 0);

/** Open `node` for reading only: the verdict, without reading a byte of it. */
const openProbe = (node: string) => `(true < ${node}) && echo "${node}: opened"`; // a subshell: a failed redirection must not end the script

describe(`device confinement (${isV2 ? 'v2 eBPF program' : 'v1 devices controller'})`, () => {
  it("/dev holds only Docker's default nodes and links", async () => {
    const names = await sh('ls -A /dev');
    expect(names.stdout.trim().split(/\s+/).sort()).toEqual(['core', 'fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
    const nodes = await sh('ls -l /dev | grep "^[cb]" | tr -s " " | cut -d" " -f1,5,6,10');
    expect(nodes.stdout.trim().split('\n').sort()).toEqual(
      ['crw-rw-rw- 1, 3 null', 'crw-rw-rw- 1, 5 zero', 'crw-rw-rw- 1, 7 full', 'crw-rw-rw- 1, 8 random', 'crw-rw-rw- 1, 9 urandom', 'crw-rw-rw- 5, 0 tty'].sort(),
    );
  });

  it('mknod of a host disk (b 8:0) and /dev/mem (c 1:1) succeeds, opening them is refused; 1:3 opens', async () => {
    const r = await sh([
      'mknod /tmp/sda b 8 0 && mknod /tmp/mem c 1 1 && mknod /tmp/nul c 1 3 && echo made',
      openProbe('/tmp/sda'),
      openProbe('/tmp/mem'),
      'mknod /tmp/fuse c 10 229',
      openProbe('/tmp/fuse'),
      'echo x > /tmp/nul && echo "/tmp/nul: written"',
    ].join('; '));
    expect(r.stderr).toMatch(/\/tmp\/fuse'?: Operation not permitted/); // moby denies /dev/fuse explicitly
    expect(r.stdout).toContain('made');
    expect(r.stderr).toMatch(/\/tmp\/sda'?: Operation not permitted/);
    expect(r.stderr).toMatch(/\/tmp\/mem'?: Operation not permitted/);
    expect(r.stdout).not.toContain('/tmp/sda: opened');
    expect(r.stdout).not.toContain('/tmp/mem: opened');
    expect(r.stdout).toContain('/tmp/nul: written'); // the positive control: the cgroup is not simply "deny all"
  });

  it('a process exec-ed into the container is held by the same rules', async () => {
    const name = `dev-exec-${process.pid}`;
    expect((await minibox(['run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '60'], { root })).code).toBe(0);
    try {
      // in the container's own /dev (a tmpfs of its mount namespace)
      const r = await minibox(['exec', name, 'sh', '-c', `mknod /dev/sda-probe b 8 0 && echo made; ${openProbe('/dev/sda-probe')}`], { root });
      expect(r.stdout).toContain('made');
      expect(r.stderr).toMatch(/sda-probe'?: Operation not permitted/);
      expect(r.stdout).not.toContain('opened');
    } finally {
      await minibox(['rm', '-f', name], { root });
    }
  });

  it.skipIf(isV2)("v1: the container's devices.list is Docker's", async () => {
    const r = await sh('cat /sys/fs/cgroup/devices/devices.list');
    expect(r.stdout.trim().split('\n').sort()).toEqual(
      ['c 1:5 rwm', 'c 1:3 rwm', 'c 1:9 rwm', 'c 1:8 rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c *:* m', 'b *:* m', 'c 1:7 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm'].sort(),
    );
  });

  it('--device /dev/null:/dev/mynull: the node with the host numbers, readable and writable', async () => {
    const r = await sh('ls -l /dev/mynull | tr -s " " | cut -d" " -f1,5,6; echo hi > /dev/mynull && echo written; head -c1 /dev/mynull | wc -c', ['--device', '/dev/null:/dev/mynull']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['crw-rw-rw- 1, 3', 'written', '0']);
  });

  it('--device records linux.devices and linux.resources.devices in config.json', async () => {
    const name = `dev-spec-${process.pid}`;
    expect((await minibox(['run', '--name', name, '--network', 'none', '--device', '/dev/zero:/dev/z:r', 'busybox', 'true'], { root })).code).toBe(0);
    try {
      const id = readdirSync(path.join(root, 'containers')).find((d) => readFileSync(path.join(root, 'containers', d, 'state.json'), 'utf8').includes(`"${name}"`)) ?? '';
      const spec = JSON.parse(readFileSync(path.join(root, 'containers', id, 'config.json'), 'utf8'));
      expect(spec.linux.devices).toEqual([{ path: '/dev/z', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 }]);
      expect(spec.linux.resources.devices[0]).toEqual({ allow: false, access: 'rwm' });
      expect(spec.linux.resources.devices).toContainEqual({ allow: true, type: 'c', major: 1, minor: 5, access: 'r' });
      expect(spec.linux.resources.devices).toContainEqual({ allow: true, type: 'b', access: 'm' });
    } finally {
      await minibox(['rm', name], { root });
    }
  });

  it("a --device that does not exist: Docker's message, exit 125, no container left", async () => {
    const before = containerCount();
    const r = await minibox(['run', '--network', 'none', '--device', '/dev/nope', 'busybox', 'true'], { root });
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('error gathering device information while adding custom device "/dev/nope": no such file or directory');
    expect(containerCount()).toBe(before);
    const bad = await minibox(['run', '--network', 'none', '--device', '/dev/null:/dev/x:rwx', 'busybox', 'true'], { root });
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('bad mode specified: rwx');
  });

  it('--privileged: the cgroup allows everything (fuse opens), a mknod-ed 1:3 too', async () => {
    const r = await sh(`mknod /tmp/nul c 1 3 && echo x > /tmp/nul && echo written; mknod /tmp/fuse c 10 229 && echo fusemade; ${openProbe('/tmp/fuse')}`, ['--privileged']);
    expect(r.stdout).toContain('written');
    expect(r.stdout).toContain('fusemade');
    expect(r.stdout.includes('/tmp/fuse: opened') || /\/tmp\/fuse'?: /.test(r.stderr)).toBe(true);
    // opened, or a driver's own error (no fuse module): not the device cgroup's EPERM
    expect(r.stderr).not.toMatch(/Operation not permitted/);
    if (!isV2) expect((await sh('cat /sys/fs/cgroup/devices/devices.list', ['--privileged'])).stdout.trim()).toBe('a *:* rwm');
  });
});
