import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressionOf, sniffCompression, unpackLayer } from '../../../src/layer/unpack.js';
import { MiniboxError } from '../../../src/util/errors.js';
import { buildTar, recordingFs, streamOf, tempBase } from './helpers.js';

let base: string;
let root: string;

beforeEach(() => {
  base = tempBase();
  root = path.join(base, 'root');
  fs.mkdirSync(root);
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function sampleTar(): Promise<Buffer> {
  return buildTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', body: 'ID=test\n' },
    { name: 'big', body: Buffer.alloc(1_000_000, 7) },
    { name: 'etc/.wh.gone', body: '' },
  ]);
}

describe('compressionOf', () => {
  it.each([
    ['application/vnd.oci.image.layer.v1.tar', 'none'],
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar', 'none'],
  ] as const)('%s -> %s', (mt, c) => {
    expect(compressionOf(mt)).toBe(c);
  });

  it.each(['application/json', 'application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar+bz2'])(
    'rejects %s',
    (mt) => {
      expect(() => compressionOf(mt)).toThrow(MiniboxError);
    },
  );
});

describe('sniffCompression', () => {
  it('recognises gzip, zstd and plain tar by magic', async () => {
    const f = path.join(base, 'blob');
    fs.writeFileSync(f, gzipSync('x'));
    expect(await sniffCompression(f)).toBe('gzip');
    fs.writeFileSync(f, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]));
    expect(await sniffCompression(f)).toBe('zstd');
    fs.writeFileSync(f, await sampleTar());
    expect(await sniffCompression(f)).toBe('none');
    fs.writeFileSync(f, '');
    expect(await sniffCompression(f)).toBe('none');
  });
});

describe('unpackLayer', () => {
  it('returns the diffID of the uncompressed tar for gzip and plain layers', async () => {
    const tar = Buffer.concat([await sampleTar(), Buffer.alloc(4096)]); // trailing zero padding counts too
    const lfs = recordingFs(root);
    const gz = await unpackLayer(streamOf(gzipSync(tar)), 'gzip', root, { fs: lfs });
    expect(gz.diffId).toBe(sha(tar));
    expect(gz.stats.entries).toBe(4);
    expect(fs.readFileSync(path.join(root, 'etc/os-release'), 'utf8')).toBe('ID=test\n');
    expect(lfs.calls).toEqual([{ op: 'mknod', path: 'etc/gone', mode: 0o020000, dev: [0, 0] }]);

    const root2 = path.join(base, 'root2');
    fs.mkdirSync(root2);
    const plain = await unpackLayer(streamOf(tar), 'none', root2, { fs: recordingFs(root2) });
    expect(plain.diffId).toBe(sha(tar));
  });

  it('rejects a truncated gzip with a MiniboxError', async () => {
    const gz = gzipSync(await sampleTar());
    const run = unpackLayer(streamOf(gz.subarray(0, gz.length - 100)), 'gzip', root, { fs: recordingFs(root) });
    await expect(run).rejects.toThrow(MiniboxError);
    await expect(run).rejects.toThrow(/gzip layer is truncated or corrupt/);
  });

  it('rejects corrupt gzip data with a MiniboxError', async () => {
    const good = gzipSync(await sampleTar());
    const badCrc = Buffer.from(good);
    badCrc.writeUInt8(badCrc.readUInt8(badCrc.length - 6) ^ 0xff, badCrc.length - 6); // CRC32 trailer: noticed only after the whole tar
    await expect(unpackLayer(streamOf(badCrc), 'gzip', root, { fs: recordingFs(root) })).rejects.toThrow(
      /gzip layer is truncated or corrupt: incorrect data check/,
    );
    const badMethod = Buffer.from(good);
    badMethod[2] = 0x55;
    await expect(unpackLayer(streamOf(badMethod), 'gzip', root, { fs: recordingFs(root) })).rejects.toThrow(
      /gzip layer is truncated or corrupt/,
    );
    // Garbage inside the deflate stream may inflate "successfully" into garbage tar
    // first; either way it is a MiniboxError.
    const badData = Buffer.from(good);
    badData.fill(0x55, 100, 200);
    await expect(unpackLayer(streamOf(badData), 'gzip', root, { fs: recordingFs(root) })).rejects.toThrow(MiniboxError);
  });

  it('rejects zstd for now', async () => {
    await expect(unpackLayer(streamOf(Buffer.alloc(10)), 'zstd', root)).rejects.toThrow(
      'zstd layers are not supported yet',
    );
  });
});
