import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { buildImage } from '../helpers/oci-builder.js';

/**
 * The container's own mounts, shown from both sides: -v binds write through to the host and
 * outlive the container, :ro and --read-only refuse writes, --tmpfs is a fresh tmpfs with
 * Docker's flags, bad specs fail with Docker's wording before anything exists, and image
 * symlinks (/data -> /etc, up -> ../../..) are resolved inside the container's root.
 */
let root: string;
let cleanup: () => void;
let host: string; // this test's host-side directories
const layouts: string[] = [];
const run = (args: string[]) => minibox(['run', '--network', 'none', ...args], { root, timeoutMs: 60_000 });
const sh = (flags: string[], script: string, image = 'busybox') => run(['--rm', ...flags, image, 'sh', '-c', script]);
const containerCount = () => (existsSync(path.join(root, 'containers')) ? readdirSync(path.join(root, 'containers')).length : 0);

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  host = mkdtempSync(path.join(os.tmpdir(), 'mounts-test-'));
  expect((await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root })).code).toBe(0);
  const links = await buildImage({
    name: 'docker.io/library/links:1',
    base: 'busybox',
    layers: [[{ path: 'data', type: 'symlink', linkname: '/etc' }, { path: 'up', type: 'symlink', linkname: '../../..' }]],
  });
  layouts.push(links.layoutDir);
  expect((await minibox(['load', '-q', '-i', links.layoutDir], { root })).code).toBe(0);
});

afterAll(() => {
  cleanup();
  rmSync(host, { recursive: true, force: true });
  for (const l of layouts) rmSync(l, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
});

describe('bind mounts (-v, --mount type=bind)', () => {
  it('data written through -v HOST:/data is on the host and stays after rm; a missing host dir is created', async () => {
    const dir = path.join(host, 'new', 'deep');
    expect(existsSync(dir)).toBe(false);
    const r = await run(['--name', 'writer', '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'echo hello > /data/out && cat /data/out']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello\n');
    expect(readFileSync(path.join(dir, 'out'), 'utf8')).toBe('hello\n');
    expect((await minibox(['rm', 'writer'], { root })).code).toBe(0);
    expect(readFileSync(path.join(dir, 'out'), 'utf8')).toBe('hello\n');
  });

  it(':ro refuses writes; --mount readonly too; the host file is readable inside', async () => {
    const dir = mkdtempSync(path.join(host, 'ro-'));
    const r = await sh(['-v', `${dir}:/data:ro`], 'ls /data; echo x > /data/f');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(existsSync(path.join(dir, 'f'))).toBe(false);
    const m = await sh(['--mount', `type=bind,source=${dir},target=/data,readonly`], 'echo x > /data/f');
    expect(m.stderr).toMatch(/Read-only file system/);
    const rw = await sh(['--mount', `type=bind,src=${dir},dst=/data`], 'echo y > /data/f && cat /data/f');
    expect(rw.stdout).toBe('y\n');
  });

  it('a host file binds onto a new file inside, and `start` mounts it again', async () => {
    const dir = mkdtempSync(path.join(host, 'file-'));
    const file = path.join(dir, 'app.conf');
    writeFileSync(file, 'v1\n');
    const r = await run(['--name', 'filebind', '-v', `${file}:/etc/app/app.conf:ro`, 'busybox', 'cat', '/etc/app/app.conf']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('v1\n');
    writeFileSync(file, 'v2\n');
    const again = await minibox(['start', '-a', 'filebind'], { root, timeoutMs: 60_000 });
    expect(again.stdout).toBe('v2\n');
    expect((await minibox(['rm', 'filebind'], { root })).code).toBe(0);
  });

  it('--mount type=bind with a missing source fails like Docker: exit 125, no container', async () => {
    const missing = path.join(host, 'does-not-exist');
    const r = await run(['--mount', `type=bind,source=${missing},target=/x`, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(`invalid mount config for type "bind": bind source path does not exist: ${missing}`);
    expect(existsSync(missing)).toBe(false);
    expect(containerCount()).toBe(0);
  });

  it("a relative -v host path and an unknown --mount key get Docker's messages, exit 125", async () => {
    const rel = await run(['-v', './data:/data', 'busybox', 'true']);
    expect(rel.code).toBe(125);
    expect(rel.stderr).toContain('"./data" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path');
    const key = await run(['--mount', 'type=bind,source=/tmp,target=/x,colour=red', 'busybox', 'true']);
    expect(key.code).toBe(125);
    expect(key.stderr).toContain("unexpected key 'colour' in 'colour=red'");
    expect(existsSync('data')).toBe(false);
    expect(containerCount()).toBe(0);
  });

  it('an image symlink /data -> /etc or up -> ../../.. is resolved inside the container, never on the host', async () => {
    const dir = mkdtempSync(path.join(host, 'sym-'));
    const esc = mkdtempSync(path.join(host, 'esc-'));
    const hostEtc = readdirSync('/etc').sort();
    const r = await sh(['-v', `${dir}:/data`, '-v', `${esc}:/up/minibox-escape-probe`], 'echo in > /etc/minibox-marker && ls /etc && echo e > /minibox-escape-probe/m', 'links:1');
    expect(r.stderr.slice(0, 300)).toBe('');
    // the container's /etc is the bind: the marker and, as with Docker, the mount points of hosts/hostname/resolv.conf
    expect(r.stdout.trim().split('\n').sort()).toEqual(['hostname', 'hosts', 'minibox-marker', 'resolv.conf']);
    expect(readFileSync(path.join(dir, 'minibox-marker'), 'utf8')).toBe('in\n');
    expect(readFileSync(path.join(esc, 'm'), 'utf8')).toBe('e\n');
    expect(readdirSync('/etc').sort()).toEqual(hostEtc);
    expect(existsSync('/minibox-escape-probe')).toBe(false);
  });
});

describe('tmpfs and --read-only', () => {
  it('--read-only --tmpfs /tmp: writes to / fail, /tmp works, with nosuid,nodev,noexec', async () => {
    const r = await sh(['--read-only', '--tmpfs', '/tmp'], 'touch /x; echo t > /tmp/t && cat /tmp/t; grep " /tmp " /proc/mounts');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.stdout).toMatch(/^t\ntmpfs \/tmp tmpfs rw,nosuid,nodev,noexec/);
  });

  it('--mount type=tmpfs with tmpfs-size and tmpfs-mode', async () => {
    const r = await sh(['--mount', 'type=tmpfs,destination=/scratch,tmpfs-size=1m,tmpfs-mode=700'], 'stat -c %a /scratch; grep " /scratch " /proc/mounts');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^700\ntmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=700/);
  });
});

describe('inspect', () => {
  it("shows Mounts, Binds, HostConfig.Mounts, Tmpfs and ReadonlyRootfs as Docker does; z/Z are accepted and ignored", async () => {
    const a = mkdtempSync(path.join(host, 'insp-a-'));
    const b = mkdtempSync(path.join(host, 'insp-b-'));
    const r = await run([
      '--name', 'shown', '--read-only', '-v', `${a}:/a:ro,z`, '-v', `${b}:/b:Z`, '--mount', `type=bind,src=${a},dst=/m,bind-propagation=rslave`,
      '--mount', 'type=tmpfs,dst=/scratch,tmpfs-size=1m', '--tmpfs', '/run:size=64k', 'busybox', 'sh', '-c', 'echo z > /b/f',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(b, 'f'), 'utf8')).toBe('z\n'); // Z: no relabel here, the bind as without it
    try {
      const f = (tpl: string) => minibox(['inspect', '-f', tpl, 'shown'], { root }).then((x) => JSON.parse(x.stdout));
      expect(await f('{{json .Mounts}}')).toEqual([
        { Type: 'bind', Source: a, Destination: '/a', Mode: 'ro,z', RW: false, Propagation: 'rprivate' },
        { Type: 'bind', Source: b, Destination: '/b', Mode: 'Z', RW: true, Propagation: 'rprivate' },
        { Type: 'bind', Source: a, Destination: '/m', Mode: '', RW: true, Propagation: 'rslave' },
        { Type: 'tmpfs', Source: '', Destination: '/scratch', Mode: '', RW: true, Propagation: '' },
      ]);
      expect(await f('{{json .HostConfig.Binds}}')).toEqual([`${a}:/a:ro,z`, `${b}:/b:Z`]);
      expect(await f('{{json .HostConfig.Mounts}}')).toEqual([
        { Type: 'bind', Source: a, Target: '/m', BindOptions: { Propagation: 'rslave' } },
        { Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1048576 } },
      ]);
      expect(await f('{{json .HostConfig.Tmpfs}}')).toEqual({ '/run': 'size=64k' });
      expect(await f('{{.HostConfig.ReadonlyRootfs}}')).toBe(true);
    } finally {
      await minibox(['rm', 'shown'], { root });
    }
  });
});

describe('the shim refuses mount records it cannot make safely', () => {
  const SHIM = path.join(REPO, 'native-shim', 'build', 'minibox-shim');
  it('a tmpfs option with a comma, an unknown option or a relative target: exit 125 before any namespace', () => {
    for (const [bad, why] of [
      ['mount.data=size=1m,uid=0', 'invalid tmpfs option size=1m,uid=0'],
      ['mount.opt=suid', 'unknown mount option suid'],
      ['mount.dst=data', 'mount.dst must be an absolute path'],
    ] as const) {
      const file = path.join(host, 'shim-config');
      writeFileSync(file, ['mount=tmpfs', bad].map((r) => `${r}\0`).join(''));
      // fd 3 is the config, read to EOF (native-shim/README.md)
      const r = spawnSync('sh', ['-c', '"$0" run 3<"$1"', SHIM, file], { encoding: 'utf8' });
      expect(r.status).toBe(125);
      expect(r.stderr).toContain(why);
    }
  });
});
