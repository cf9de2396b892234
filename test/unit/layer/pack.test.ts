import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { extract, type Headers } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalisePrefix, packDirectory } from '../../../src/layer/pack.js';
import { byteOrder } from '../../../src/layer/pack-walk.js';
import { TarReader, type TarEntry } from '../../../src/layer/tar-reader.js';
import { lgetxattr, lsetxattr, mknod } from '../../../src/linux/libc.js';
import { MiniboxError } from '../../../src/util/errors.js';
import { tempBase } from './helpers.js';
import { CAP_NET_RAW, S_IFCHR } from './pack-fixtures.js';

/**
 * The layer writer read back by two independent readers: tar-stream's extractor (names,
 * order, types, modes, owners, link targets, device numbers) and the project's own
 * TarReader (the raw xattr bytes, which tar-stream decodes as UTF-8). Runs as root, as
 * the unit suite does here (whiteout devices, trusted.* and capability xattrs need it).
 */

let base: string;
let tree: string;

beforeEach(() => {
  base = tempBase();
  tree = path.join(base, 'tree');
  fs.mkdirSync(tree);
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});


interface Read {
  header: Headers;
  body: Buffer;
}

async function readWithTarStream(gz: string): Promise<Read[]> {
  const out: Read[] = [];
  const ex = extract();
  Readable.from([gunzipSync(fs.readFileSync(gz))]).pipe(ex);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array));
    out.push({ header: entry.header, body: Buffer.concat(chunks) });
  }
  return out;
}

async function readWithTarReader(gz: string): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const reader = new TarReader(Readable.from([gunzipSync(fs.readFileSync(gz))])[Symbol.asyncIterator]());
  for (let e = await reader.next(); e !== null; e = await reader.next()) {
    out.push(e);
    await reader.body(e.size, null);
  }
  return out;
}

async function xattrsWithTarReader(gz: string): Promise<Map<string, Map<string, Buffer>>> {
  return new Map((await readWithTarReader(gz)).flatMap((e) => (e.xattrs ? [[e.name, e.xattrs] as const] : [])));
}

function write(rel: string, body: string | Buffer, mode = 0o644): void {
  const p = path.join(tree, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, body, { mode });
  fs.chmodSync(p, mode);
}

/** An overlay upper dir as a container leaves it. */
function upperTree(): void {
  fs.mkdirSync(path.join(tree, 'etc'));
  write('etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
  mknod(path.join(tree, 'etc/gone'), S_IFCHR, 0, 0); // a whiteout
  fs.mkdirSync(path.join(tree, 'var/cache'), { recursive: true });
  lsetxattr(path.join(tree, 'var/cache'), 'trusted.overlay.opaque', Buffer.from('y'));
  write('var/cache/new', 'fresh');
  write('bin/ping', 'ELF...', 0o4755);
  lsetxattr(path.join(tree, 'bin/ping'), 'security.capability', CAP_NET_RAW);
  lsetxattr(path.join(tree, 'bin/ping'), 'trusted.overlay.origin', Buffer.from('x')); // never emitted
  write('bin/a', 'same inode');
  fs.linkSync(path.join(tree, 'bin/a'), path.join(tree, 'bin/b'));
  fs.symlinkSync('/nonexistent/target', path.join(tree, 'bin/dangling'));
  fs.symlinkSync('../etc', path.join(tree, 'bin/etc-link')); // never followed
  fs.mkdirSync(path.join(tree, 'tmp'), { mode: 0o1777 });
  fs.chmodSync(path.join(tree, 'tmp'), 0o1777);
  fs.lchownSync(path.join(tree, 'etc/passwd'), 1000, 1001);
  mknod(path.join(tree, 'dev-null'), S_IFCHR | 0o666, 1, 3);
  fs.chmodSync(path.join(tree, 'dev-null'), 0o666);
}

describe('packDirectory', () => {
  it('writes an overlay upper dir as an OCI layer: whiteouts, opaque dirs, hardlinks, symlinks, modes, owners, xattrs', async () => {
    upperTree();
    const out = path.join(base, 'layer.tgz');
    const packed = await packDirectory(tree, out, { kind: 'upper', epoch: 1_700_000_000 });
    const entries = await readWithTarStream(out);
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    expect(entries.map((e) => e.header.name)).toEqual([
      'bin/',
      'bin/a',
      'bin/b',
      'bin/dangling',
      'bin/etc-link',
      'bin/ping',
      'dev-null',
      'etc/',
      'etc/.wh.gone',
      'etc/passwd',
      'tmp/',
      'var/',
      'var/cache/',
      'var/cache/.wh..wh..opq',
      'var/cache/new',
    ]);
    expect(byName.get('bin/b')?.header).toMatchObject({ type: 'link', linkname: 'bin/a', size: 0 });
    expect(byName.get('bin/a')?.body.toString()).toBe('same inode');
    expect(byName.get('bin/dangling')?.header).toMatchObject({ type: 'symlink', linkname: '/nonexistent/target' });
    expect(byName.get('bin/etc-link')?.header).toMatchObject({ type: 'symlink', linkname: '../etc' });
    expect(byName.get('bin/ping')?.header.mode).toBe(0o4755);
    expect(byName.get('tmp/')?.header).toMatchObject({ type: 'directory', mode: 0o1777 });
    expect(byName.get('etc/passwd')?.header).toMatchObject({ uid: 1000, gid: 1001, type: 'file' });
    expect(byName.get('etc/.wh.gone')?.header).toMatchObject({ type: 'file', size: 0 });
    expect(byName.get('var/cache/.wh..wh..opq')?.header).toMatchObject({ type: 'file', size: 0 });
    expect(byName.get('dev-null')?.header).toMatchObject({ type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 });
    for (const e of entries) expect(e.header.mtime?.getTime()).toBeLessThanOrEqual(1_700_000_000_000);

    const xattrs = await xattrsWithTarReader(out);
    expect([...xattrs.keys()]).toEqual(['bin/ping']);
    expect([...(xattrs.get('bin/ping')?.entries() ?? [])]).toEqual([['security.capability', CAP_NET_RAW]]);

    const blob = fs.readFileSync(out);
    expect(packed.digest).toBe(`sha256:${createHash('sha256').update(blob).digest('hex')}`);
    expect(packed.diffId).toBe(`sha256:${createHash('sha256').update(gunzipSync(blob)).digest('hex')}`);
    expect(packed).toMatchObject({ size: blob.length, file: out, emptyLayer: false, entries: 15, tarSize: gunzipSync(blob).length });
    // gzip header: no mtime, no file name
    expect([...blob.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  });

  it('gives the same digest for the same tree with an epoch, however its mtimes moved', async () => {
    upperTree();
    const a = await packDirectory(tree, path.join(base, 'a.tgz'), { kind: 'upper', epoch: 1_000_000 });
    const later = new Date(Date.now() + 3_600_000);
    for (const rel of ['etc/passwd', 'bin/a', 'var/cache', 'tmp']) fs.utimesSync(path.join(tree, rel), later, later);
    const b = await packDirectory(tree, path.join(base, 'b.tgz'), { kind: 'upper', epoch: 1_000_000 });
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
    expect(fs.readFileSync(path.join(base, 'b.tgz')).equals(fs.readFileSync(path.join(base, 'a.tgz')))).toBe(true);
    fs.writeFileSync(path.join(tree, 'etc/passwd'), 'changed');
    const c = await packDirectory(tree, path.join(base, 'c.tgz'), { kind: 'upper', epoch: 1_000_000 });
    expect(c.diffId).not.toBe(a.diffId);
  });

  it("keeps mtimes older than the epoch, and without one the files' own", async () => {
    write('old', 'x');
    fs.utimesSync(path.join(tree, 'old'), 500, 500);
    write('new', 'y');
    fs.utimesSync(path.join(tree, 'new'), 5000, 5000);
    await packDirectory(tree, path.join(base, 'e.tgz'), { kind: 'plain', epoch: 1000 });
    const clamped = new Map((await readWithTarStream(path.join(base, 'e.tgz'))).map((e) => [e.header.name, e.header.mtime?.getTime()]));
    expect(clamped).toEqual(new Map([['new', 1_000_000], ['old', 500_000]]));
    await packDirectory(tree, path.join(base, 'f.tgz'), { kind: 'plain' });
    const own = new Map((await readWithTarStream(path.join(base, 'f.tgz'))).map((e) => [e.header.name, e.header.mtime?.getTime()]));
    expect(own).toEqual(new Map([['new', 5_000_000], ['old', 500_000]]));
  });

  it("'plain' takes a 0:0 device and trusted xattrs as they are: no whiteouts, no opaque markers", async () => {
    mknod(path.join(tree, 'wh'), S_IFCHR, 0, 0);
    fs.mkdirSync(path.join(tree, 'd'));
    lsetxattr(path.join(tree, 'd'), 'trusted.overlay.opaque', Buffer.from('y'));
    await packDirectory(tree, path.join(base, 'p.tgz'), { kind: 'plain' });
    const entries = await readWithTarStream(path.join(base, 'p.tgz'));
    expect(entries.map((e) => [e.header.name, e.header.type])).toEqual([
      ['d/', 'directory'],
      ['wh', 'character-device'],
    ]);
  });

  it('puts entries under a prefix, the root as the prefix dir, parents left to the extractor', async () => {
    write('x', 'hello');
    fs.mkdirSync(path.join(tree, 'sub'));
    fs.chmodSync(tree, 0o750);
    await packDirectory(tree, path.join(base, 'pre.tgz'), { kind: 'plain', prefix: '/app/src/' });
    const entries = await readWithTarStream(path.join(base, 'pre.tgz'));
    expect(entries.map((e) => e.header.name)).toEqual(['app/src/', 'app/src/sub/', 'app/src/x']);
    expect(entries[0]?.header.mode).toBe(0o750);
  });

  it('leaves out the excluded non-directories (the runtime placeholders)', async () => {
    write('etc/hosts', '');
    write('etc/hostname', '');
    write('etc/keep', 'k');
    await packDirectory(tree, path.join(base, 'x.tgz'), { kind: 'upper', exclude: ['etc/hosts', 'etc/hostname'] });
    expect((await readWithTarStream(path.join(base, 'x.tgz'))).map((e) => e.header.name)).toEqual(['etc/', 'etc/keep']);
  });

  it('leaves out a directory that only holds excluded entries when the layers below have it alike (a bare copy-up)', async () => {
    const lower = path.join(base, 'lower');
    fs.mkdirSync(path.join(lower, 'etc'), { recursive: true });
    fs.chmodSync(path.join(lower, 'etc'), 0o755);
    fs.chmodSync(tree, 0o755);
    write('etc/hosts', '');
    fs.chmodSync(path.join(tree, 'etc'), 0o755);
    const pack = (name: string, lowerDirs: string[]) =>
      packDirectory(tree, path.join(base, name), { kind: 'upper', exclude: ['etc/hosts'], lowerDirs }).then(async () =>
        (await readWithTarStream(path.join(base, name))).map((e) => e.header.name),
      );
    expect(await pack('a.tgz', [lower])).toEqual([]);
    expect(await pack('b.tgz', [])).toEqual([]); // no layer has it: made for the placeholders alone
    fs.chmodSync(path.join(tree, 'etc'), 0o700); // chmod'ed in the container: a change
    expect(await pack('c.tgz', [lower])).toEqual(['etc/']);
    fs.chmodSync(path.join(tree, 'etc'), 0o755);
    write('etc/motd', 'hi'); // something of its own
    expect(await pack('d.tgz', [lower])).toEqual(['etc/', 'etc/motd']);
  });

  it('sorts siblings in byte order of their layer names, each directory before its content', async () => {
    for (const n of ['b', 'a-c', 'B', 'é', '😀', '\uffee']) write(n, n);
    fs.mkdirSync(path.join(tree, 'a'));
    write('a/z', 'z');
    mknod(path.join(tree, 'c'), S_IFCHR, 0, 0); // → .wh.c, sorted by that name
    await packDirectory(tree, path.join(base, 's.tgz'), { kind: 'upper' });
    const names = (await readWithTarStream(path.join(base, 's.tgz'))).map((e) => e.header.name);
    expect(names).toEqual(['.wh.c', 'B', 'a/', 'a/z', 'a-c', 'b', 'é', '\uffee', '😀']);
  });

  it('writes long names, long link targets and big ids through PAX', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    write(long, 'deep');
    fs.symlinkSync('t'.repeat(200), path.join(tree, 'link'));
    write('big-ids', 'x');
    fs.lchownSync(path.join(tree, 'big-ids'), 3_000_000, 4_000_000);
    await packDirectory(tree, path.join(base, 'l.tgz'), { kind: 'plain' });
    const byName = new Map((await readWithTarStream(path.join(base, 'l.tgz'))).map((e) => [e.header.name, e]));
    expect(byName.get(long)?.body.toString()).toBe('deep');
    expect(byName.get('link')?.header.linkname).toBe('t'.repeat(200));
    // tar-stream ignores PAX uid/gid: the project's reader applies them
    const own = (await readWithTarReader(path.join(base, 'l.tgz'))).find((e) => e.name === 'big-ids');
    expect(own).toMatchObject({ uid: 3_000_000, gid: 4_000_000 });
  });

  it('streams a file bigger than its batches byte for byte', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    write('big', big);
    const packed = await packDirectory(tree, path.join(base, 'b.tgz'), { kind: 'plain' });
    const [entry] = await readWithTarStream(path.join(base, 'b.tgz'));
    expect(entry?.body.equals(big)).toBe(true);
    expect(packed.tarSize).toBe(512 + big.length + (512 - (big.length % 512)) + 1024);
  });

  it('an empty tree is an empty layer (just the end of the archive)', async () => {
    const packed = await packDirectory(tree, path.join(base, 'e.tgz'), { kind: 'upper' });
    expect(packed).toMatchObject({ emptyLayer: true, entries: 0, tarSize: 1024 });
  });

  it('fails on a missing tree or a bad option, leaving no output file', async () => {
    const out = path.join(base, 'none.tgz');
    await expect(packDirectory(path.join(base, 'missing'), out, { kind: 'plain' })).rejects.toThrow(MiniboxError);
    expect(fs.existsSync(out)).toBe(false);
    await expect(packDirectory(tree, out, { kind: 'plain', epoch: -1 })).rejects.toThrow(/epoch/);
    expect(() => normalisePrefix('a/../../etc')).toThrow(/\.\./);
    expect(normalisePrefix('./a//b/')).toBe('a/b');
  });
});

describe('byteOrder', () => {
  it('orders by UTF-8 bytes, also across the surrogate range', () => {
    expect(['😀', '\uffee', 'a'].sort(byteOrder)).toEqual(['a', '\uffee', '😀']);
  });
});

describe('test fixtures', () => {
  it('can make whiteouts and read xattrs here (root, a filesystem with trusted.*)', () => {
    mknod(path.join(tree, 'w'), S_IFCHR, 0, 0);
    expect(fs.lstatSync(path.join(tree, 'w')).isCharacterDevice()).toBe(true);
    lsetxattr(tree, 'trusted.overlay.opaque', Buffer.from('y'));
    expect(lgetxattr(tree, 'trusted.overlay.opaque')?.toString()).toBe('y');
  });
});

describe('user.* xattrs (llistxattr)', () => {
  // on the disk, not a tmpfs: tmpfs may refuse user.* xattrs
  let disk: string;
  beforeEach(() => {
    disk = fs.mkdtempSync('/var/tmp/minibox-pack-xattr-');
  });
  afterEach(() => fs.rmSync(disk, { recursive: true, force: true }));

  it('go into the layer on files and dirs, byte for byte; user.overlay.* and trusted.* stay out', async () => {
    const src = path.join(disk, 'tree');
    fs.mkdirSync(path.join(src, 'd'), { recursive: true });
    fs.writeFileSync(path.join(src, 'd/f'), 'x'); // not executable: no capability look-up, the list finds it
    const big = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)); // ext4 keeps all of a file's xattrs in one 4 KiB block
    lsetxattr(path.join(src, 'd/f'), 'user.origin', Buffer.from('lab'));
    lsetxattr(path.join(src, 'd/f'), 'user.big', big);
    lsetxattr(path.join(src, 'd/f'), 'user.overlay.redirect', Buffer.from('/etc'));
    lsetxattr(path.join(src, 'd/f'), 'trusted.note', Buffer.from('host'));
    lsetxattr(path.join(src, 'd'), 'user.dir', Buffer.from('yes'));
    const out = path.join(disk, 'layer.tar.gz');
    await packDirectory(src, out, { kind: 'plain' });
    const xattrs = await xattrsWithTarReader(out);
    expect([...xattrs.keys()].sort()).toEqual(['d/', 'd/f']);
    expect([...(xattrs.get('d/')?.entries() ?? [])]).toEqual([['user.dir', Buffer.from('yes')]]);
    expect([...(xattrs.get('d/f')?.entries() ?? [])]).toEqual([
      ['user.big', big],
      ['user.origin', Buffer.from('lab')],
    ]);
  });
});
