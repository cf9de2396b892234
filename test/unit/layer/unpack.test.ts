import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compressionOf, sniffCompression, unpackLayer } from '../../../src/layer/unpack.js';
import { MiniboxError } from '../../../src/util/errors.js';
import { type Spec, buildTar, recordingFs, streamOf, tempBase } from './helpers.js';

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

describe.each([
  ['on a worker thread', true],
  ['on this thread', false],
] as const)('unpackLayer, inflating %s', (_, inflateWorker) => {
  it('returns the diffID of the uncompressed tar for gzip and plain layers', async () => {
    const tar = Buffer.concat([await sampleTar(), Buffer.alloc(4096)]); // trailing zero padding counts too
    const lfs = recordingFs(root);
    const gz = await unpackLayer(streamOf(gzipSync(tar)), 'gzip', root, { fs: lfs, inflateWorker });
    expect(gz.diffId).toBe(sha(tar));
    expect(gz.stats.entries).toBe(4);
    expect(fs.readFileSync(path.join(root, 'etc/os-release'), 'utf8')).toBe('ID=test\n');
    expect(lfs.calls).toEqual([{ op: 'mknod', path: 'etc/gone', mode: 0o020000, dev: [0, 0] }]);

    const root2 = path.join(base, 'root2');
    fs.mkdirSync(root2);
    const plain = await unpackLayer(streamOf(tar), 'none', root2, { fs: recordingFs(root2), inflateWorker });
    expect(plain.diffId).toBe(sha(tar));
  });

  it('rejects a truncated gzip with a MiniboxError', async () => {
    const gz = gzipSync(await sampleTar());
    const run = unpackLayer(streamOf(gz.subarray(0, gz.length - 100)), 'gzip', root, { fs: recordingFs(root), inflateWorker });
    await expect(run).rejects.toThrow(MiniboxError);
    await expect(run).rejects.toThrow(/gzip layer is truncated or corrupt/);
  });

  it('rejects corrupt gzip data with a MiniboxError', async () => {
    const good = gzipSync(await sampleTar());
    const badCrc = Buffer.from(good);
    badCrc.writeUInt8(badCrc.readUInt8(badCrc.length - 6) ^ 0xff, badCrc.length - 6); // CRC32 trailer: noticed only after the whole tar
    await expect(unpackLayer(streamOf(badCrc), 'gzip', root, { fs: recordingFs(root), inflateWorker })).rejects.toThrow(
      /gzip layer is truncated or corrupt: incorrect data check/,
    );
    const badMethod = Buffer.from(good);
    badMethod[2] = 0x55;
    await expect(unpackLayer(streamOf(badMethod), 'gzip', root, { fs: recordingFs(root), inflateWorker })).rejects.toThrow(
      /gzip layer is truncated or corrupt/,
    );
    // Garbage inside the deflate stream may inflate "successfully" into garbage tar
    // first; either way it is a MiniboxError.
    const badData = Buffer.from(good);
    badData.fill(0x55, 100, 200);
    await expect(unpackLayer(streamOf(badData), 'gzip', root, { fs: recordingFs(root), inflateWorker })).rejects.toThrow(MiniboxError);
  });
  it('handles a multi-megabyte layer in small blob chunks, PAX records straddling buffers', async () => {
    // Enough data to cycle every recycled buffer several times, with meta entries whose
    // bytes are used after the chunk they arrived in has been handed back.
    const specs: Spec[] = [];
    const want = new Map<string, Buffer>();
    for (let i = 0; i < 60; i++) {
      const body = Buffer.alloc(150_000 + i * 7_001, i);
      body.write(`file ${i}`);
      const name = `d${i % 5}/${'long-name-'.repeat(12)}${i}`; // > 100 bytes: a PAX path
      specs.push({ name, body });
      want.set(name, body);
    }
    const tar = await buildTar(specs);
    const result = await unpackLayer(streamOf(gzipSync(tar), 65_537), 'gzip', root, { fs: recordingFs(root), inflateWorker });
    expect(result.diffId).toBe(sha(tar));
    expect(result.stats.entries).toBe(60);
    for (const [name, body] of want) expect(fs.readFileSync(path.join(root, name)).equals(body)).toBe(true);
  });

  it('rejects a failing blob stream with a MiniboxError and stops', async () => {
    const gz = gzipSync(await sampleTar());
    const blob = new Readable({
      read() {
        this.push(gz.subarray(0, 200));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(unpackLayer(blob, 'gzip', root, { fs: recordingFs(root), inflateWorker })).rejects.toThrow(
      /reading the layer blob failed: connection reset/,
    );
  });

  it('closes the blob when the tar inside is bad', async () => {
    const bad = Buffer.alloc(4096, 0x41); // not a tar header
    const blob = streamOf(gzipSync(bad));
    await expect(unpackLayer(blob, 'gzip', root, { fs: recordingFs(root), inflateWorker })).rejects.toThrow(
      /tar header at byte 0/,
    );
    expect(blob.destroyed).toBe(true);
  });

  it('ignores zero padding after the gzip stream, as gunzip does', async () => {
    const tar = await sampleTar();
    const gz = Buffer.concat([gzipSync(tar), Buffer.alloc(1000)]);
    const result = await unpackLayer(streamOf(gz), 'gzip', root, { fs: recordingFs(root), inflateWorker });
    expect(result.diffId).toBe(sha(tar));
  });
});

describe('unpackLayer', () => {
  it('rejects a corrupt zstd layer with a clear error', async () => {
    await expect(unpackLayer(streamOf(Buffer.alloc(10)), 'zstd', root)).rejects.toThrow(/zstd layer .* truncated or corrupt/);
  });
});
