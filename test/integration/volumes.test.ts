import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { buildImage } from '../helpers/oci-builder.js';

/**
 * Named and anonymous volumes: a named volume outlives its container and is mounted again by
 * the next; an image VOLUME gets an anonymous volume seeded from the image (the merged layers:
 * owners, modes, whiteouts), in use until `rm -v` removes it; `volume` ls/inspect/rm/prune as
 * Docker prints them.
 */
let root: string;
let cleanup: () => void;
const layouts: string[] = [];
const mb = (args: string[]) => minibox(args, { root, timeoutMs: 60_000 });
const run = (args: string[]) => mb(['run', '--network', 'none', ...args]);
const volumeNames = async () => (await mb(['volume', 'ls', '-q'])).stdout.split('\n').filter((l) => l !== '');
const ANON = /^[0-9a-f]{64}$/;

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root })).code).toBe(0);
  const img = await buildImage({
    name: 'docker.io/library/vol:1',
    base: 'busybox',
    config: { Volumes: { '/data': {} } },
    layers: [
      [
        { path: 'data/', type: 'dir', mode: 0o750, uid: 1000, gid: 1001 },
        { path: 'data/seed', type: 'file', content: 'from-image\n', mode: 0o640, uid: 1000, gid: 1001 },
        { path: 'data/gone', type: 'file', content: 'deleted above' },
      ],
      [
        // the upper layer's directory is the one the merged view (and so the volume) shows
        { path: 'data/', type: 'dir', mode: 0o750, uid: 1000, gid: 1001 },
        { path: 'data/.wh.gone', type: 'file' },
        { path: 'data/sub/', type: 'dir', mode: 0o700 },
        { path: 'data/sub/deep', type: 'file', content: 'deep' },
      ],
    ],
  });
  // /data a symlink to the host-looking /etc: seeding must never read through it
  const sym = await buildImage({ name: 'docker.io/library/symvol:1', base: 'busybox', layers: [[{ path: 'data', type: 'symlink', linkname: '/etc' }]] });
  layouts.push(img.layoutDir, sym.layoutDir);
  for (const l of [img.layoutDir, sym.layoutDir]) expect((await minibox(['load', '-q', '-i', l], { root })).code).toBe(0);
});

afterAll(() => {
  cleanup();
  for (const l of layouts) rmSync(l, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
});

describe('named volumes', () => {
  it('outlive their container and are mounted again by the next, data kept', async () => {
    const w = await run(['--name', 'writer', '-v', 'store:/store', 'busybox', 'sh', '-c', 'echo kept > /store/f']);
    expect(w.stderr).toBe('');
    expect(w.code).toBe(0);
    expect((await mb(['rm', '-v', 'writer'])).code).toBe(0); // -v: anonymous volumes only
    expect(await volumeNames()).toContain('store');
    const r = await run(['--rm', '--mount', 'type=volume,source=store,target=/again', 'busybox', 'cat', '/again/f']);
    expect(r.stdout).toBe('kept\n');
    const mp = (await mb(['volume', 'inspect', '-f', '{{.Mountpoint}}', 'store'])).stdout.trim();
    expect(mp).toBe(path.join(root, 'volumes', 'store', '_data'));
    expect(readFileSync(path.join(mp, 'f'), 'utf8')).toBe('kept\n');
  });

  it('an empty named volume is seeded from the image at its path; a used one is not', async () => {
    const r = await run(['--rm', '-v', 'seeded:/data', 'vol:1', 'cat', '/data/seed']);
    expect(r.stdout).toBe('from-image\n');
    await run(['--rm', '-v', 'seeded:/data', 'vol:1', 'sh', '-c', 'rm /data/seed; echo mine > /data/own']);
    const again = await run(['--rm', '-v', 'seeded:/data', 'vol:1', 'ls', '/data']);
    expect(again.stdout.split('\n')).toEqual(['own', 'sub', '']);
  });

  it('volume rm of a volume in use: Docker wording, exit 1, volume kept', async () => {
    expect((await run(['--name', 'user1', '-v', 'busy:/b', 'busybox', 'true'])).code).toBe(0);
    const id = (await mb(['inspect', '-f', '{{.Id}}', 'user1'])).stdout.trim();
    const rm = await mb(['volume', 'rm', 'busy']);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toBe(`Error response from daemon: remove busy: volume is in use - [${id}]\n`);
    expect(await volumeNames()).toContain('busy');
    expect((await mb(['rm', 'user1'])).code).toBe(0);
    expect((await mb(['volume', 'rm', 'busy'])).stdout).toBe('busy\n');
    expect(await volumeNames()).not.toContain('busy');
    const missing = await mb(['volume', 'rm', 'busy']);
    expect([missing.code, missing.stderr]).toEqual([1, 'Error response from daemon: get busy: no such volume\n']);
  });
});

describe('anonymous volumes', () => {
  it("an image VOLUME gets one, seeded from the merged layers with owners and modes; rm -v removes it", async () => {
    const before = await volumeNames();
    const r = await run(['--name', 'anon1', 'vol:1', 'sh', '-c', 'stat -c "%n %a %u %g" /data /data/seed /data/sub; cat /data/seed; ls /data']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/data 750 1000 1001\n/data/seed 640 1000 1001\n/data/sub 700 0 0\nfrom-image\nseed\nsub\n');
    const added = (await volumeNames()).filter((n) => !before.includes(n));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(ANON);
    const data = path.join(root, 'volumes', added[0]!, '_data');
    expect(statSync(data).mode & 0o7777).toBe(0o750);
    expect(readFileSync(path.join(data, 'sub', 'deep'), 'utf8')).toBe('deep');
    const dangling = (await mb(['volume', 'ls', '-q', '--filter', 'dangling=true'])).stdout;
    expect(dangling).not.toContain(added[0]);
    expect((await mb(['rm', '-v', 'anon1'])).code).toBe(0);
    expect(await volumeNames()).not.toContain(added[0]);
    expect(existsSync(path.join(root, 'volumes', added[0]!))).toBe(false);
  });

  it('-v CTR makes one; -v NAME:/data over an image VOLUME replaces the anonymous one; run --rm removes anonymous ones', async () => {
    const before = await volumeNames();
    const r = await run(['--rm', '-v', '/scratch', '-v', 'over:/data', 'vol:1', 'sh', '-c', 'touch /scratch/x && cat /data/seed']);
    expect(r.stdout).toBe('from-image\n');
    expect((await volumeNames()).filter((n) => !before.includes(n))).toEqual(['over']);
  });

  it('--volumes-from shares another container\'s volumes, :ro refuses writes', async () => {
    expect((await run(['--name', 'src1', '-v', 'shared:/shared', 'busybox', 'sh', '-c', 'echo hi > /shared/m'])).code).toBe(0);
    const r = await run(['--rm', '--volumes-from', 'src1:ro', 'busybox', 'sh', '-c', 'cat /shared/m; echo no > /shared/m']);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect((await mb(['rm', 'src1'])).code).toBe(0);
  });

  it('inspect: named, anonymous and --volumes-from volumes in Mounts; Config.Volumes; HostConfig.VolumesFrom', async () => {
    expect((await run(['--name', 'vsrc', '-v', 'insp:/named', '-v', '/anon', 'vol:1', 'true'])).code).toBe(0);
    expect((await run(['--name', 'vuser', '--volumes-from', 'vsrc:ro', 'busybox', 'true'])).code).toBe(0);
    try {
      const [src] = JSON.parse((await mb(['inspect', 'vsrc'])).stdout);
      const vol = (dest: string) => src.Mounts.find((m: { Destination: string }) => m.Destination === dest);
      expect(vol('/named')).toEqual({ Type: 'volume', Name: 'insp', Source: path.join(root, 'volumes', 'insp', '_data'), Destination: '/named', Driver: 'local', Mode: 'z', RW: true, Propagation: '' });
      for (const dest of ['/anon', '/data']) {
        expect(vol(dest)).toMatchObject({ Type: 'volume', Destination: dest, Driver: 'local', Mode: '', RW: true, Propagation: '' });
        expect(vol(dest).Name).toMatch(ANON);
        expect(vol(dest).Source).toBe(path.join(root, 'volumes', vol(dest).Name, '_data'));
      }
      expect(src.Mounts).toHaveLength(3);
      expect(src.Config.Volumes).toEqual({ '/anon': {}, '/data': {} });
      expect(src.HostConfig.Binds).toEqual(['insp:/named']);
      const [user] = JSON.parse((await mb(['inspect', 'vuser'])).stdout);
      expect(user.HostConfig.VolumesFrom).toEqual(['vsrc:ro']);
      expect(user.Config.Volumes).toBeNull();
      expect(user.Mounts.map((m: { Name: string; RW: boolean; Mode: string }) => [m.Name, m.RW, m.Mode]).sort()).toEqual(
        src.Mounts.map((m: { Name: string }) => [m.Name, false, '']).sort(),
      );
    } finally {
      expect((await mb(['rm', '-v', 'vuser', 'vsrc'])).code).toBe(0);
      expect((await mb(['volume', 'rm', 'insp'])).code).toBe(0);
    }
  });

  it('an image symlink at the volume path is not followed out of the image when seeding', async () => {
    const r = await run(['--rm', '-v', 'symv:/data', 'symvol:1', 'true']);
    expect(r.stderr).toBe('');
    // mounted on the container's /etc (the shim resolves in the root); only the files minibox writes
    // there (hostname, hosts, resolv.conf) are in it: nothing of the host's /etc (passwd, debian_version)
    const files = readdirSync(path.join(root, 'volumes', 'symv', '_data'));
    expect(files).not.toContain('passwd');
    expect(files.filter((f) => !['hostname', 'hosts', 'resolv.conf'].includes(f))).toEqual([]);
  });

  it('a bad volume name fails the run with 125 and leaves no volume or container', async () => {
    const before = await volumeNames();
    const r = await run(['-v', 'b@d:/x', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/includes invalid characters for a local volume name/);
    expect(await volumeNames()).toEqual(before);
    const bad = await run(['--name', 'writer2', '-v', 'fresh:/x', '--cap-add', 'NOT_A_CAP', 'busybox', 'true']);
    expect(bad.code).toBe(125);
    expect(await volumeNames()).toEqual(before); // made for the run, removed with it
  });
});

describe('volume commands', () => {
  it('create, ls (table, -q, filters, --format), inspect fields', async () => {
    expect((await mb(['volume', 'create', '--label', 'team=db', 'labelled'])).stdout).toBe('labelled\n');
    expect((await mb(['volume', 'create', 'labelled'])).stdout).toBe('labelled\n'); // idempotent, as Docker's
    const ls = (await mb(['volume', 'ls'])).stdout.split('\n');
    expect(ls[0]).toBe('DRIVER    VOLUME NAME');
    expect(ls).toContain('local     labelled');
    expect((await mb(['volume', 'ls', '-q', '--filter', 'label=team=db'])).stdout).toBe('labelled\n');
    expect((await mb(['volume', 'ls', '--filter', 'name=labell', '--format', '{{.Name}} {{.Driver}} {{.Labels}}'])).stdout).toBe('labelled local team=db\n');
    const [v] = JSON.parse((await mb(['volume', 'inspect', 'labelled'])).stdout);
    expect(Object.keys(v)).toEqual(['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    expect(v).toMatchObject({ Driver: 'local', Labels: { team: 'db' }, Name: 'labelled', Scope: 'local', Mountpoint: path.join(root, 'volumes', 'labelled', '_data') });
    expect(Date.parse(v.CreatedAt)).toBeGreaterThan(0);
    const bad = await mb(['volume', 'create', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error response from daemon: create x: "x" includes invalid characters/);
    const nope = await mb(['volume', 'inspect', 'nosuch']);
    expect([nope.code, nope.stdout, nope.stderr]).toEqual([1, '[]\n', 'Error response from daemon: get nosuch: no such volume\n']);
    expect(statSync(path.join(root, 'volumes')).mode & 0o777).toBe(0o701);
  });

  it('prune removes unused anonymous volumes, -a the named ones too', async () => {
    const anon = (await mb(['volume', 'create'])).stdout.trim();
    expect(anon).toMatch(ANON);
    expect((await run(['--name', 'keeper', '-v', 'inuse:/k', 'busybox', 'true'])).code).toBe(0);
    const p = await mb(['volume', 'prune', '-f']);
    expect(p.stdout).toBe(`Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`);
    expect(await volumeNames()).toContain('labelled');
    const all = await mb(['volume', 'prune', '-f', '-a']);
    expect(all.stdout).toMatch(/^Deleted Volumes:\n/);
    expect(all.stdout).toMatch(/\nTotal reclaimed space: \d/);
    expect(await volumeNames()).toEqual(['inuse']);
    expect((await mb(['rm', 'keeper'])).code).toBe(0);
    expect(readdirSync(path.join(root, 'containers'))).toEqual([]);
  });
});
