import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { discardSnapshot, stageSnapshotFrom, type StagedSnapshot } from '../../../src/image/snapshots.js';
import type { LayerCompression } from '../../../src/layer/unpack.js';
import { S_IFBLK, S_IFCHR, S_IFIFO } from '../../../src/layer/syscalls.js';
import { MiniboxError } from '../../../src/util/errors.js';
import { statePaths, type StatePaths } from '../../../src/util/paths.js';
import { END, buildTar, gnuLong, paxEntry, rawEntry, rawHeader, recordingFs, tempBase, type Call, type Spec } from './helpers.js';

/**
 * The malicious-layer corpus, through the path a load or pull takes: stageSnapshotFrom
 * (tmp dir under snapshots/, decompress, diffID check, removal on failure). Layout:
 * <base>/store is the state root, <base>/sentinel/{secret,empty/} must stay exactly as
 * they were, and <base> must hold nothing else. After a rejected layer the store has no
 * snapshot and no scratch left; after a contained one, only the staged snapshot, which
 * every write stayed inside, and nothing once it is discarded.
 */
let base: string;
let paths: StatePaths;

beforeEach(() => {
  base = tempBase();
  paths = statePaths(path.join(base, 'store'));
  fs.mkdirSync(path.join(base, 'sentinel', 'empty'), { recursive: true });
  fs.writeFileSync(path.join(base, 'sentinel', 'secret'), 'secret', { mode: 0o600 });
});

afterEach(() => {
  vi.unstubAllEnvs();
  fs.rmSync(base, { recursive: true, force: true });
});

/** Everything under <base> except the store: path, type, mode, links, content. */
function outsideState(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (p === paths.root) continue;
      const st = fs.lstatSync(p);
      const body = st.isFile() ? createHash('sha256').update(fs.readFileSync(p)).digest('hex') : '';
      out.push(`${path.relative(base, p)} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.nlink} ${st.size} ${body}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(base);
  return out;
}

// ---- archive builders for what tar-stream refuses to write ----

/** A header whose 12-byte size field is `field` (base-256 and the like), checksum redone. */
function headerWithSizeField(name: string, field: Buffer): Buffer {
  const h = rawHeader({ name, flag: '0' });
  field.copy(h, 124, 0, 12);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

const file = (name: string, body = 'x'): Buffer => rawEntry({ name, flag: '0' }, Buffer.from(body));
const paxFile = (records: Array<[string, string]>, name = 'plain', body = ''): Buffer =>
  Buffer.concat([paxEntry(records), rawEntry({ name, flag: '0' }, Buffer.from(body))]);

function zstd(buf: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c'], { input: buf, maxBuffer: 1 << 30 });
}

// ---- the corpus ----

type Check = (snap: string, calls: Call[]) => void;
interface Case {
  name: string;
  tar: (b: string) => Buffer | Promise<Buffer>; // the uncompressed layer; b = <base>
  compression?: LayerCompression;
  blob?: (compressed: Buffer) => Buffer; // corrupt the blob after compressing
  diffId?: string; // what the "image config" promises, if not the tar's own
  env?: Record<string, string>;
  endless?: boolean; // the blob is `tar` repeated forever (compressed as a stream): only a cap ends it
  rejects?: RegExp;
  contained?: Check; // extracted: what must hold inside the staged snapshot
}

const UP = '../../../'; // from the snapshot tmp dir (<base>/store/snapshots/x) to <base>
const rel = (b: string, p: string): string => path.join(b, p).slice(1); // <base>/p, as seen inside the snapshot
const tar = (specs: Spec[]) => () => buildTar(specs);
const exists = (...ps: string[]): Check => (snap) => {
  for (const p of ps) expect(fs.existsSync(path.join(snap, p)), p).toBe(true);
};

const cases: Case[] = [
  { name: '../ climbs out', tar: tar([{ name: '../evil', body: 'x' }]), rejects: /"\.\.\/evil" escapes the layer root/ },
  { name: 'a/../../ climbs out', tar: tar([{ name: `a/../${UP}sentinel/evil`, body: 'x' }]), rejects: /escapes/ },
  { name: 'absolute path is made relative', tar: (b) => Buffer.concat([file(path.join(b, 'sentinel/evil')), END]), contained: (s, c) => exists(rel(base, 'sentinel/evil'))(s, c) },
  {
    name: 'symlink to / then a file written through it',
    tar: tar([{ name: 'a', type: 'symlink', linkname: '/' }, { name: 'a/etc/passwd', body: 'pwned' }]),
    contained: exists('etc/passwd'),
  },
  {
    name: 'symlink to ../../.. then a file through it',
    tar: tar([{ name: 'a', type: 'symlink', linkname: UP }, { name: 'a/sentinel/secret', body: 'pwned' }]),
    contained: exists('sentinel/secret'),
  },
  {
    name: 'symlink to the absolute sentinel dir, then a file, a dir, a symlink and a whiteout beneath',
    tar: (b) =>
      buildTar([
        { name: 'a', type: 'symlink', linkname: path.join(b, 'sentinel') },
        { name: 'a/secret', body: 'pwned' },
        { name: 'a/empty/x', body: 'pwned' },
        { name: 'a/d/', type: 'directory' },
        { name: 'a/l', type: 'symlink', linkname: '/' },
        { name: 'a/.wh.secret', body: '' },
      ]),
    contained: (s, calls) => {
      exists(rel(base, 'sentinel/empty/x'), rel(base, 'sentinel/d'))(s, calls);
      expect(calls.filter((c) => c.op === 'mknod').map((c) => c.path)).toEqual([rel(base, 'sentinel/secret')]);
    },
  },
  { name: 'hardlink to ../outside', tar: tar([{ name: 'h', type: 'link', linkname: `${UP}sentinel/secret` }]), rejects: /escapes/ },
  {
    name: 'hardlink to the absolute path of the secret',
    tar: (b) => buildTar([{ name: 'h', type: 'link', linkname: path.join(b, 'sentinel/secret') }]),
    rejects: /does not exist/,
  },
  {
    name: 'hardlink through a symlinked dir to outside',
    tar: (b) => buildTar([{ name: 'd', type: 'symlink', linkname: path.join(b, 'sentinel') }, { name: 'h', type: 'link', linkname: 'd/secret' }]),
    rejects: /does not exist/,
  },
  {
    name: 'hardlink to a symlink to the secret, then written',
    tar: (b) =>
      buildTar([
        { name: 's', type: 'symlink', linkname: path.join(b, 'sentinel/secret') },
        { name: 'h', type: 'link', linkname: 's' },
        { name: 'h', body: 'pwned' },
      ]),
    contained: (snap) => {
      expect(fs.lstatSync(path.join(snap, 's')).isSymbolicLink()).toBe(true);
      expect(fs.readFileSync(path.join(snap, 'h'), 'utf8')).toBe('pwned');
    },
  },
  {
    name: 'symlink loop',
    tar: tar([{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' }, { name: 'a/x', body: 'x' }]),
    rejects: /too many levels of symlinks/,
  },
  {
    name: 'symlink to itself below itself',
    tar: tar([{ name: 'a', type: 'symlink', linkname: 'a/a' }, { name: 'a/x', body: 'x' }]),
    rejects: /too many levels of symlinks/,
  },
  { name: 'whiteout .wh... (of "..")', tar: tar([{ name: 'd/.wh...', body: '' }]), rejects: /invalid whiteout/ },
  { name: 'whiteout ../.wh.x', tar: tar([{ name: '../.wh.x', body: '' }]), rejects: /escapes/ },
  { name: 'whiteout climbing with a/../../.wh.secret', tar: tar([{ name: `a/../${UP}sentinel/.wh.secret`, body: '' }]), rejects: /escapes/ },
  {
    name: 'opaque whiteout at the layer root and under a symlink to outside',
    tar: tar([
      { name: '.wh..wh..opq', body: '' },
      { name: 'l', type: 'symlink', linkname: `${UP}sentinel` },
      { name: 'l/.wh..wh..opq', body: '' },
    ]),
    contained: (_s, calls) => {
      expect(calls.map((c) => `${c.op} ${c.path} ${c.name}`)).toEqual(['setxattr  trusted.overlay.opaque', 'setxattr sentinel trusted.overlay.opaque']);
    },
  },
  {
    name: 'opaque whiteout under a regular file',
    tar: tar([{ name: 'f', body: 'x' }, { name: 'f/.wh..wh..opq', body: '' }]),
    rejects: /not a directory/,
  },
  {
    name: 'directory replaced by a file and back',
    tar: tar([
      { name: 'd/', type: 'directory' },
      { name: 'd/x', body: 'x' },
      { name: 'd', body: 'now a file' },
      { name: 'd/', type: 'directory' },
      { name: 'd/y', body: 'y' },
    ]),
    contained: (snap) => expect(fs.readdirSync(path.join(snap, 'd'))).toEqual(['y']),
  },
  {
    name: 'file replaced by a symlink to outside, then written',
    tar: (b) =>
      buildTar([
        { name: 'f', body: 'first' },
        { name: 'f', type: 'symlink', linkname: path.join(b, 'sentinel/secret') },
        { name: 'f', body: 'pwned', mode: 0o777 },
      ]),
    contained: (snap) => expect(fs.lstatSync(path.join(snap, 'f')).isFile()).toBe(true),
  },
  {
    name: 'dir replaced by a symlink to outside, then entries beneath',
    tar: tar([
      { name: 'd/', type: 'directory' },
      { name: 'd', type: 'symlink', linkname: `${UP}sentinel` },
      { name: 'd/empty/x', body: 'pwned' },
    ]),
    contained: exists('sentinel/empty/x'),
  },
  {
    name: 'huge octal size with no body',
    tar: () => Buffer.concat([rawHeader({ name: 'big', flag: '0', size: 0o77777777777 }), Buffer.alloc(512)]),
    rejects: /truncated/,
  },
  {
    name: 'huge octal size past the cap',
    tar: () => Buffer.concat([rawHeader({ name: 'big', flag: '0', size: 0o77777777777 }), Buffer.alloc(512)]),
    env: { MINIBOX_MAX_LAYER_BYTES: String(1 << 20) },
    rejects: /more than 1048576 bytes, the limit \(MINIBOX_MAX_LAYER_BYTES/,
  },
  {
    name: 'negative base-256 size',
    tar: () => Buffer.concat([headerWithSizeField('neg', Buffer.from([0xff, ...Array(11).fill(0xff)])), END]),
    rejects: /negative size/,
  },
  {
    name: 'base-256 size beyond a safe integer',
    tar: () => Buffer.concat([headerWithSizeField('huge', Buffer.from([0x80, 0, 0, 0x7f, ...Array(8).fill(0xff)])), END]),
    rejects: /size too large/,
  },
  { name: 'fractional PAX size', tar: () => Buffer.concat([paxFile([['size', '1.5']]), END]), rejects: /invalid PAX size "1\.5": not a whole number of bytes/ },
  { name: 'negative PAX size', tar: () => Buffer.concat([paxFile([['size', '-1']]), END]), rejects: /invalid PAX size "-1"/ },
  { name: 'exponent PAX size', tar: () => Buffer.concat([paxFile([['size', '1e3']]), END]), rejects: /invalid PAX size "1e3"/ },
  { name: 'oversized PAX size', tar: () => Buffer.concat([paxFile([['size', '99999999999999999999']]), END]), rejects: /invalid PAX size/ },
  {
    name: 'PAX size past the cap',
    tar: () => Buffer.concat([paxFile([['size', String(2 ** 40)]]), END]),
    rejects: /more than 68719476736 bytes/,
  },
  { name: 'PAX uid out of range', tar: () => Buffer.concat([paxFile([['uid', '4294967296']]), END]), rejects: /invalid PAX uid/ },
  { name: 'PAX path override with ..', tar: () => Buffer.concat([paxFile([['path', `${UP}sentinel/evil`]], 'harmless', 'x'), END]), rejects: /escapes/ },
  {
    name: 'PAX linkpath override with .. on a hardlink',
    tar: () => Buffer.concat([paxEntry([['linkpath', `${UP}sentinel/secret`]]), rawEntry({ name: 'h', flag: '1', linkname: 'ok' }), END]),
    rejects: /escapes/,
  },
  { name: 'GNU longname with ..', tar: () => Buffer.concat([gnuLong('L', `${UP}sentinel/evil`), file('short'), END]), rejects: /escapes/ },
  {
    name: 'GNU longlink with .. on a hardlink',
    tar: () => Buffer.concat([gnuLong('K', `${UP}sentinel/secret`), rawEntry({ name: 'h', flag: '1', linkname: 'x' }), END]),
    rejects: /escapes/,
  },
  {
    name: 'truncated gzip',
    tar: tar([{ name: 'f', body: Buffer.alloc(200_000, 7) }]),
    compression: 'gzip',
    blob: (b) => b.subarray(0, b.length >> 1),
    rejects: /gzip layer is truncated or corrupt/,
  },
  {
    name: 'truncated zstd',
    tar: tar([{ name: 'f', body: Buffer.alloc(200_000, 7) }]),
    compression: 'zstd',
    blob: (b) => b.subarray(0, b.length >> 1),
    rejects: /zstd layer .* is truncated or corrupt/,
  },
  {
    name: 'tar that does not match its diffID',
    tar: tar([{ name: 'f', body: 'x' }]),
    compression: 'gzip',
    diffId: `sha256:${'0'.repeat(64)}`,
    rejects: /digest mismatch for layer .*: uncompressed content is sha256:[0-9a-f]{64}, image config says sha256:0{64}/,
  },
  {
    name: 'gzip bomb past the cap (many entries, each under it)',
    tar: tar(Array.from({ length: 64 }, (_, i) => ({ name: `z${i}`, body: Buffer.alloc(1 << 20) }))),
    compression: 'gzip',
    env: { MINIBOX_MAX_LAYER_BYTES: String(4 << 20) },
    rejects: /more than 4194304 bytes/,
  },
  {
    name: 'zstd bomb past the cap',
    tar: tar(Array.from({ length: 64 }, (_, i) => ({ name: `z${i}`, body: Buffer.alloc(1 << 20) }))),
    compression: 'zstd',
    env: { MINIBOX_MAX_LAYER_BYTES: String(4 << 20) },
    rejects: /more than 4194304 bytes/,
  },
  {
    name: 'endless tar stream, stopped by the cap while streaming',
    tar: () => rawEntry({ name: 'f', flag: '0' }, Buffer.alloc(1 << 20)),
    endless: true,
    env: { MINIBOX_MAX_LAYER_BYTES: String(8 << 20) },
    rejects: /more than 8388608 bytes/,
  },
  {
    name: 'endless gzip stream, stopped by the cap while streaming',
    tar: () => rawEntry({ name: 'f', flag: '0' }, Buffer.alloc(1 << 20)),
    compression: 'gzip',
    endless: true,
    env: { MINIBOX_MAX_LAYER_BYTES: String(8 << 20) },
    rejects: /more than 8388608 bytes/,
  },
  {
    name: 'zeros after the end marker past the cap',
    tar: async () => Buffer.concat([await buildTar([{ name: 'f', body: 'x' }]), Buffer.alloc(8 << 20)]),
    compression: 'gzip',
    env: { MINIBOX_MAX_LAYER_BYTES: String(1 << 20) },
    rejects: /more than 1048576 bytes/,
  },
  {
    name: 'more entries than the cap',
    tar: tar(Array.from({ length: 20 }, (_, i) => ({ name: `e${i}`, body: '' }))),
    env: { MINIBOX_MAX_LAYER_ENTRIES: '10' },
    rejects: /more than 10 entries, the limit \(MINIBOX_MAX_LAYER_ENTRIES/,
  },
  {
    name: 'device nodes and a FIFO are made inside the snapshot',
    tar: tar([
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o666 },
      { name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1, mode: 0o666 },
      { name: 'fifo', type: 'fifo', mode: 0o666 },
    ]),
    contained: (_s, calls) => {
      expect(calls.map((c) => [c.path, (c.mode ?? 0) & 0o170000, c.dev])).toEqual([
        ['dev/sda', S_IFBLK, [8, 0]],
        ['dev/mem', S_IFCHR, [1, 1]],
        ['fifo', S_IFIFO, [0, 0]],
      ]);
    },
  },
  {
    name: 'setuid-root file keeps its bits (the store is what keeps others out)',
    tar: tar([{ name: 'bin/suid', body: '#!/bin/sh\n', mode: 0o4755, uid: 0, gid: 0 }]),
    contained: (snap) => {
      const st = fs.statSync(path.join(snap, 'bin/suid'));
      expect([st.mode & 0o7777, st.uid]).toEqual([0o4755, 0]);
      expect(fs.statSync(paths.snapshots).mode & 0o777).toBe(0o700);
      expect(fs.statSync(paths.root).mode & 0o777).toBe(0o711);
    },
  },
  {
    name: 'forged overlay and LSM xattrs are dropped, user.* and security.capability kept',
    tar: () =>
      Buffer.concat([
        paxFile(
          [
            ['SCHILY.xattr.trusted.overlay.redirect', '/etc'],
            ['SCHILY.xattr.trusted.overlay.opaque', 'y'],
            ['SCHILY.xattr.trusted.other', 'x'],
            ['SCHILY.xattr.security.selinux', 'system_u:object_r:shadow_t:s0'],
            ['SCHILY.xattr.security.ima', 'x'],
            ['SCHILY.xattr.user.overlay.opaque', 'y'],
            ['SCHILY.xattr.user.mime', 'text/plain'],
            ['SCHILY.xattr.security.capability', 'cap'],
          ],
          'f',
          'x',
        ),
        END,
      ]),
    contained: (_s, calls) => {
      expect(calls.map((c) => `${c.path} ${c.name}`)).toEqual(['f user.mime', 'f security.capability']);
    },
  },
];

/** Stage `c` as one layer of an image; returns the staged snapshot or the error. */
async function stage(c: Case, lfs: ReturnType<typeof recordingFs>): Promise<StagedSnapshot | unknown> {
  const raw = await c.tar(base);
  for (const [k, v] of Object.entries(c.env ?? {})) vi.stubEnv(k, v);
  if (c.endless) return stageEndless(c, raw, lfs);
  const diffId = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const compression = c.compression ?? 'none';
  let blob = compression === 'gzip' ? gzipSync(raw) : compression === 'zstd' ? zstd(raw) : raw;
  if (c.blob) blob = c.blob(blob);
  const src = { chainId: diffId, diffId: c.diffId ?? diffId, blobDigest: 'sha256:blob', compression, layerFs: lfs };
  const parts: Buffer[] = [];
  for (let i = 0; i < blob.length; i += 64 * 1024) parts.push(blob.subarray(i, i + 64 * 1024));
  return stageSnapshotFrom(paths, src, () => Readable.from(parts)).catch((err: unknown) => err);
}

/** `raw` repeated without end, gzip-compressed on the fly when asked. */
async function stageEndless(c: Case, raw: Buffer, lfs: ReturnType<typeof recordingFs>): Promise<StagedSnapshot | unknown> {
  const forever = Readable.from((function* () {
    for (;;) yield raw;
  })());
  const compression = c.compression ?? 'none';
  const blob = compression === 'gzip' ? forever.pipe(createGzip()) : forever;
  const diffId = `sha256:${'1'.repeat(64)}`;
  try {
    return await stageSnapshotFrom(paths, { chainId: diffId, diffId, blobDigest: 'sha256:blob', compression, layerFs: lfs }, () => blob);
  } catch (err) {
    return err;
  } finally {
    forever.destroy();
  }
}

describe('hostile layers through stageSnapshotFrom', () => {
  it('has at least 25 hostile archives', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('$name', async (c) => {
    const before = outsideState();
    const lfs = recordingFs(base);
    const result = await stage(c, lfs);
    if (c.rejects) {
      expect(result).toBeInstanceOf(MiniboxError);
      expect(result instanceof Error ? result.message : '').toMatch(c.rejects);
    } else {
      if (result instanceof Error) throw result;
      const staged = result as StagedSnapshot;
      const snapRoot = staged.tmpDir;
      expect(fs.readdirSync(paths.snapshots)).toEqual([path.basename(snapRoot)]);
      const calls = lfs.calls.map((call) => ({ ...call, path: path.relative(path.relative(base, snapRoot), call.path) }));
      for (const call of calls) expect(call.path.startsWith('..'), call.path).toBe(false);
      c.contained?.(snapRoot, calls);
      await discardSnapshot(staged);
    }
    for (const call of lfs.calls) expect(call.path.startsWith(path.relative(base, paths.snapshots)), call.path).toBe(true);
    expect(outsideState()).toEqual(before);
    expect(fs.readdirSync(paths.snapshots)).toEqual([]);
    expect(fs.existsSync(paths.tmp) ? fs.readdirSync(paths.tmp) : []).toEqual([]);
  });
});
