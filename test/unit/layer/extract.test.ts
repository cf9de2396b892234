import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTar } from '../../../src/layer/extract.js';
import { MiniboxError } from '../../../src/util/errors.js';
import { END, buildTar, gnuLong, paxEntry, rawEntry, recordingFs, streamOf, tempBase } from './helpers.js';
import type { Spec } from './helpers.js';

let base: string;
let root: string;
let lfs: ReturnType<typeof recordingFs>;

beforeEach(() => {
  base = tempBase();
  root = path.join(base, 'root');
  fs.mkdirSync(root);
  lfs = recordingFs(root);
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

async function extract(specs: Spec[] | Buffer) {
  const tar = Buffer.isBuffer(specs) ? specs : await buildTar(specs);
  return extractTar(streamOf(tar), root, { fs: lfs });
}
const at = (p: string) => path.join(root, p);
const T = new Date('2001-02-03T04:05:06Z');

describe('extractTar', () => {
  it('writes files with content, mode, owner and mtime', async () => {
    const big = Buffer.alloc(300_000, 'x');
    const stats = await extract([
      { name: 'etc/hello.txt', body: 'hello\n', mode: 0o640, uid: 1234, gid: 5678, mtime: T },
      { name: 'big.bin', body: big },
      { name: 'empty', body: '' },
    ]);
    expect(fs.readFileSync(at('etc/hello.txt'), 'utf8')).toBe('hello\n');
    const st = fs.statSync(at('etc/hello.txt'));
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([1234, 5678]);
    expect(st.mtime.getTime()).toBe(T.getTime());
    expect(fs.readFileSync(at('big.bin')).equals(big)).toBe(true);
    expect(fs.statSync(at('empty')).size).toBe(0);
    expect(stats).toEqual({ entries: 3, bytes: 300_006, skipped: 0 });
  });

  it('keeps setuid/setgid/sticky bits although it chowns', async () => {
    await extract([
      { name: 'bin/su', body: 'elf', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'bin/wall', body: 'elf', mode: 0o2755, uid: 7, gid: 5 },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
    ]);
    expect(fs.statSync(at('bin/su')).mode & 0o7777).toBe(0o4755);
    const wall = fs.statSync(at('bin/wall'));
    expect(wall.mode & 0o7777).toBe(0o2755);
    expect(wall.gid).toBe(5);
    expect(fs.statSync(at('tmp')).mode & 0o7777).toBe(0o1777);
  });

  it('restores directory mtimes after their children are written', async () => {
    await extract([
      { name: 'd', type: 'directory', mode: 0o750, mtime: T, uid: 3, gid: 4 },
      { name: 'd/sub', type: 'directory', mtime: T },
      { name: 'd/sub/f', body: 'x' },
      { name: 'd/g', body: 'y' },
    ]);
    const st = fs.statSync(at('d'));
    expect(st.mtime.getTime()).toBe(T.getTime());
    expect(st.mode & 0o7777).toBe(0o750);
    expect([st.uid, st.gid]).toEqual([3, 4]);
    expect(fs.statSync(at('d/sub')).mtime.getTime()).toBe(T.getTime());
  });

  it('creates implicit parent directories', async () => {
    await extract([{ name: 'a/b/c/file', body: 'z' }]);
    expect(fs.statSync(at('a/b/c')).isDirectory()).toBe(true);
    expect(fs.statSync(at('a')).mode & 0o777).toBe(0o755);
  });

  it('makes symlinks with their own mtime and owner (lutimes/lchown)', async () => {
    await extract([
      { name: 'target', body: 't' },
      { name: 'link', type: 'symlink', linkname: 'target', mtime: T, uid: 9, gid: 9 },
      { name: 'abs', type: 'symlink', linkname: '/etc/passwd' },
    ]);
    expect(fs.readlinkSync(at('link'))).toBe('target');
    const st = fs.lstatSync(at('link'));
    expect(st.mtime.getTime()).toBe(T.getTime());
    expect(st.uid).toBe(9);
    expect(fs.statSync(at('target')).mtime.getTime()).not.toBe(T.getTime());
    expect(fs.readlinkSync(at('abs'))).toBe('/etc/passwd');
  });

  it('makes hardlinks that share an inode', async () => {
    await extract([
      { name: 'usr/bin/a', body: 'same', mode: 0o755 },
      { name: 'usr/bin/b', type: 'link', linkname: 'usr/bin/a' },
      { name: 'c', type: 'link', linkname: '/usr/bin/a' },
    ]);
    const a = fs.statSync(at('usr/bin/a'));
    expect(fs.statSync(at('usr/bin/b')).ino).toBe(a.ino);
    expect(fs.statSync(at('c')).ino).toBe(a.ino);
    expect(a.nlink).toBe(3);
  });

  it('rejects a hardlink to a target that does not exist yet', async () => {
    await expect(extract([{ name: 'b', type: 'link', linkname: 'nope' }])).rejects.toThrow(/"b".*does not exist/);
  });

  it('handles long names: ustar prefix, PAX, and GNU long name/link', async () => {
    const seg = (c: string) => c.repeat(60);
    const p150 = `${seg('a')}/${seg('b')}/file150`; // fits ustar prefix+name
    const p300 = `${seg('c')}/${seg('d')}/${seg('e')}/${seg('f')}/${'g'.repeat(50)}`; // >255: PAX
    const gnuName = `${seg('h')}/${seg('i')}/gnu-file`;
    const gnuLinkName = `${seg('j')}/gnu-symlink`;
    const linkTarget = `${seg('k')}/${seg('l')}/target`;
    const tar = Buffer.concat([
      (await buildTar([
        { name: p150, body: '150' },
        { name: p300, body: '300' },
        { name: 'sl', type: 'symlink', linkname: p300 },
      ])).subarray(0, -1024),
      gnuLong('L', gnuName),
      rawEntry({ name: gnuName.slice(0, 99), flag: '0', gnu: true }, Buffer.from('gnu')),
      gnuLong('L', gnuLinkName),
      gnuLong('K', linkTarget),
      rawEntry({ name: 'x', flag: '2', linkname: linkTarget.slice(0, 99), gnu: true }),
      END,
    ]);
    const stats = await extract(tar);
    expect(p300.length).toBeGreaterThan(255);
    expect(fs.readFileSync(at(p150), 'utf8')).toBe('150');
    expect(fs.readFileSync(at(p300), 'utf8')).toBe('300');
    expect(fs.readlinkSync(at('sl'))).toBe(p300);
    expect(fs.readFileSync(at(gnuName), 'utf8')).toBe('gnu');
    expect(fs.readlinkSync(at(gnuLinkName))).toBe(linkTarget);
    expect(stats.entries).toBe(5);
  });

  it('accepts unsigned and historic signed-char header checksums, and rejects a wrong one', async () => {
    const name = 'caf\u00e9-\u00fc'; // UTF-8 bytes over 127: the two sums differ
    const unsigned = rawEntry({ name, flag: '0' }, Buffer.from('u'));
    const signed = Buffer.from(rawEntry({ name: `${name}2`, flag: '0' }, Buffer.from('s')));
    let high = 0;
    let sum = 0;
    for (let i = 0; i < 512; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : (signed[i] ?? 0);
      sum += b;
      if (b > 127) high++;
    }
    signed.write(`${(sum - 256 * high).toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    await extract(Buffer.concat([unsigned, signed, END]));
    expect(fs.readFileSync(at(name), 'utf8')).toBe('u');
    expect(fs.readFileSync(at(`${name}2`), 'utf8')).toBe('s');

    const bad = Buffer.from(unsigned);
    bad.write('000001\0 ', 148, 8, 'latin1');
    await expect(extract(Buffer.concat([bad, END]))).rejects.toThrow(/invalid header checksum at byte 0/);
  });

  it('passes PAX xattrs to the hook byte for byte, after chown', async () => {
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xff, 0xfe]);
    const tar = Buffer.concat([
      paxEntry([['SCHILY.xattr.security.capability', cap], ['SCHILY.xattr.user.note', 'hi']]),
      rawEntry({ name: 'bin/ping', flag: '0', mode: 0o755 }, Buffer.from('elf')),
      paxEntry([['SCHILY.xattr.user.link', 'l']]),
      rawEntry({ name: 'sl', flag: '2', linkname: 'bin/ping' }),
      END,
    ]);
    await extract(tar);
    expect(lfs.calls).toEqual([
      { op: 'lsetxattr', path: 'bin/ping', name: 'security.capability', value: cap },
      { op: 'lsetxattr', path: 'bin/ping', name: 'user.note', value: Buffer.from('hi') },
      { op: 'lsetxattr', path: 'sl', name: 'user.link', value: Buffer.from('l') },
    ]);
    expect(fs.readFileSync(at('bin/ping'), 'utf8')).toBe('elf');
  });

  it('turns whiteouts into 0/0 char devices and opaque markers into xattrs', async () => {
    await extract([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.shadow', body: '' },
      { name: 'var/lib/.wh..wh..opq', body: '' },
      { name: 'var/.wh..wh.plnk', type: 'directory' },
    ]);
    expect(lfs.calls).toEqual([
      { op: 'mknod', path: 'etc/shadow', mode: 0o020000, dev: [0, 0] },
      { op: 'setxattr', path: 'var/lib', name: 'trusted.overlay.opaque', value: Buffer.from('y') },
    ]);
    expect(fs.existsSync(at('etc/.wh.shadow'))).toBe(false);
    expect(fs.existsSync(at('var/.wh..wh.plnk'))).toBe(false);
  });

  it('removes what the same layer created before whiting it out', async () => {
    await extract([
      { name: 'd/f', body: 'gone' },
      { name: 'e/sub/deep', body: 'gone too' },
      { name: 'd/.wh.f', body: '' },
      { name: '.wh.e', body: '' },
    ]);
    expect(fs.statSync(at('d/f')).size).toBe(0); // the recorder's placeholder
    expect(fs.statSync(at('e')).isFile()).toBe(true);
    expect(lfs.calls.map((c) => c.path)).toEqual(['d/f', 'e']);
  });

  it('fails whiteouts loudly without the native binding, but skips devices with a warning', async () => {
    const warnings: string[] = [];
    const dev = await buildTar([
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'fifo', type: 'fifo' },
    ]);
    const stats = await extractTar(streamOf(dev), root, { onWarning: (m) => warnings.push(m) });
    expect(stats.skipped).toBe(2);
    expect(warnings.join('\n')).toMatch(/dev\/null.*native binding/);
    const wh = await buildTar([{ name: '.wh.x', body: '' }]);
    await expect(extractTar(streamOf(wh), root)).rejects.toThrow(/native binding/);
  });

  it('creates device nodes through the hook with type bits and numbers', async () => {
    await extract([
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 },
      { name: 'p', type: 'fifo', mode: 0o600 },
    ]);
    expect(lfs.calls).toEqual([
      { op: 'mknod', path: 'dev/null', mode: 0o020666, dev: [1, 3] },
      { op: 'mknod', path: 'dev/sda', mode: 0o060660, dev: [8, 0] },
      { op: 'mknod', path: 'p', mode: 0o010600, dev: [0, 0] },
    ]);
    expect(fs.statSync(at('dev/null')).mode & 0o7777).toBe(0o666);
  });

  it('replaces existing entries of every kind', async () => {
    fs.writeFileSync(at('file-over-file'), 'old');
    fs.mkdirSync(at('file-over-dir/x'), { recursive: true });
    fs.writeFileSync(at('dir-over-file'), 'old');
    fs.mkdirSync(at('dir-over-dir'));
    fs.writeFileSync(at('dir-over-dir/keep'), 'kept');
    fs.symlinkSync('/nonexistent', at('file-over-link'));
    fs.writeFileSync(at('link-over-file'), 'old');
    await extract([
      { name: 'file-over-file', body: 'new' },
      { name: 'file-over-dir', body: 'new' },
      { name: 'dir-over-file', type: 'directory', mode: 0o700 },
      { name: 'dir-over-dir', type: 'directory', mode: 0o711, uid: 5 },
      { name: 'file-over-link', body: 'new' },
      { name: 'link-over-file', type: 'symlink', linkname: 'file-over-file' },
      { name: 'twice', body: 'first' },
      { name: 'twice', body: 'second' },
    ]);
    expect(fs.readFileSync(at('file-over-file'), 'utf8')).toBe('new');
    expect(fs.readFileSync(at('file-over-dir'), 'utf8')).toBe('new');
    expect(fs.statSync(at('dir-over-file')).isDirectory()).toBe(true);
    expect(fs.readFileSync(at('dir-over-dir/keep'), 'utf8')).toBe('kept');
    const dd = fs.statSync(at('dir-over-dir'));
    expect([dd.mode & 0o7777, dd.uid]).toEqual([0o711, 5]);
    expect(fs.lstatSync(at('file-over-link')).isFile()).toBe(true);
    expect(fs.readlinkSync(at('link-over-file'))).toBe('file-over-file');
    expect(fs.readFileSync(at('twice'), 'utf8')).toBe('second');
  });

  it('ignores the root entry and rejects a missing root', async () => {
    fs.chmodSync(root, 0o711);
    await extract([{ name: './', type: 'directory', mode: 0o777 }, { name: './x', body: '1' }]);
    expect(fs.statSync(root).mode & 0o777).toBe(0o711);
    await expect(extractTar(streamOf(await buildTar([])), path.join(base, 'nope'))).rejects.toThrow(MiniboxError);
  });

  it('rejects a truncated tar and a corrupt header', async () => {
    const tar = await buildTar([{ name: 'f', body: Buffer.alloc(5000, 1) }]);
    await expect(extract(tar.subarray(0, 3000))).rejects.toThrow(/truncated/);
    const bad = Buffer.from(tar);
    bad[10] = 0x41;
    await expect(extract(bad)).rejects.toThrow(/checksum/);
  });
});
