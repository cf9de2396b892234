import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nativeInflaterPath } from '../../../src/layer/inflate-native.js';
import { type InflatedBy, unpackLayer } from '../../../src/layer/unpack.js';
import { MiniboxError } from '../../../src/util/errors.js';
import { waitFor } from '../../helpers/wait.js';
import { buildTar, rawEntry, recordingFs, streamOf, tempBase } from './helpers.js';

/**
 * minibox-inflate (native-shim/inflate, ISA-L) against Node's zlib: the same layers,
 * good and hostile, must come out the same through both, and zlib must take over where
 * the program cannot run.
 */
let base: string;
let root: string;

beforeEach(() => {
  base = tempBase();
  root = path.join(base, 'root');
  fs.mkdirSync(root);
});

afterEach(() => {
  vi.unstubAllEnvs();
  fs.rmSync(base, { recursive: true, force: true });
});

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function sampleTar(): Promise<Buffer> {
  const files = Array.from({ length: 40 }, (_, i) => ({ name: `d/f${i}`, body: createHash('sha512').update(String(i)).digest().toString('hex').repeat(300 + i) }));
  return buildTar([{ name: 'd/', type: 'directory' }, ...files, { name: 'big', body: Buffer.alloc(3_000_000, 7) }, { name: 'l', type: 'symlink', linkname: 'd/f1' }]);
}

/** This process's children still running minibox-inflate. */
function inflaterChildren(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (m?.[1] === 'minibox-inflate' && m[2] !== 'Z' && Number(m[3]) === process.pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const inflaters = [
  ['isal', 'auto'],
  ['zlib-worker', 'zlib'],
] as const;

/** Unpack `blob` (streamed in odd chunks) with the given inflater; the result or the error. */
async function unpackWith(inflater: 'auto' | 'zlib', blob: Buffer | Readable) {
  const stream = Buffer.isBuffer(blob) ? streamOf(blob, 65_521) : blob;
  return unpackLayer(stream, 'gzip', root, { fs: recordingFs(root), inflater }).catch((err: unknown) => err);
}

describe('minibox-inflate', () => {
  it('is built here (setup.sh installs libisal-dev)', () => {
    expect(nativeInflaterPath()).toBeDefined();
  });

  it.each(inflaters)('inflates a streamed layer: %s', async (by, inflater) => {
    const tar = await sampleTar();
    const r = await unpackWith(inflater, gzipSync(tar));
    if (r instanceof Error) throw r;
    expect([r.inflatedBy, r.diffId, r.stats.entries]).toEqual([by, sha(tar), 43]);
    expect(fs.readFileSync(path.join(root, 'big')).equals(Buffer.alloc(3_000_000, 7))).toBe(true);
    expect(fs.readlinkSync(path.join(root, 'l'))).toBe('d/f1');
  });

  it('reads a blob file itself', async () => {
    const tar = await sampleTar();
    const file = path.join(base, 'blob.gz');
    fs.writeFileSync(file, gzipSync(tar, { level: 1 }));
    const r = await unpackLayer(fs.createReadStream(file), 'gzip', root, { fs: recordingFs(root) });
    expect([r.inflatedBy, r.diffId]).toEqual(['isal', sha(tar)]);
  });

  it.each(inflaters)('takes gzip members one after another, and zero padding after them: %s', async (by, inflater) => {
    const tar = await sampleTar();
    const cut = 512 * 2000;
    const blob = Buffer.concat([gzipSync(tar.subarray(0, cut)), gzipSync(tar.subarray(cut)), Buffer.alloc(4096)]);
    const r = await unpackWith(inflater, blob);
    if (r instanceof Error) throw r;
    expect([r.inflatedBy, r.diffId]).toEqual([by, sha(tar)]);
  });

  const hostile: Array<[string, (gz: Buffer) => Buffer, RegExp]> = [
    ['truncated', (gz) => gz.subarray(0, gz.length >> 1), /gzip layer is truncated or corrupt/],
    ['cut inside the trailer', (gz) => gz.subarray(0, gz.length - 3), /gzip layer is truncated or corrupt/],
    ['a flipped byte in the data', (gz) => Buffer.concat([gz.subarray(0, 5000), Buffer.from([gz[5000]! ^ 0x55]), gz.subarray(5001)]), /gzip layer is truncated or corrupt|tar header at byte/],
    ['a wrong crc', (gz) => Buffer.concat([gz.subarray(0, gz.length - 8), Buffer.from([gz[gz.length - 8]! ^ 1]), gz.subarray(gz.length - 7)]), /gzip layer is truncated or corrupt/],
    ['trailing garbage', (gz) => Buffer.concat([gz, Buffer.from('garbage after the member')]), /gzip layer is truncated or corrupt/],
    ['not gzip at all', () => Buffer.from('this is not a gzip stream at all, just text'.repeat(100)), /gzip layer is truncated or corrupt/],
    ['empty', () => Buffer.alloc(0), /gzip layer is truncated or corrupt|truncated/],
  ];

  for (const [by, inflater] of inflaters) {
    it.each(hostile)(`rejects a gzip blob: %s (${by})`, async (_name, corrupt, rejects) => {
      const r = await unpackWith(inflater, corrupt(gzipSync(await sampleTar())));
      expect(r).toBeInstanceOf(MiniboxError);
      expect((r as Error).message).toMatch(rejects);
      await waitFor(() => inflaterChildren().length === 0, { what: 'minibox-inflate to be gone' });
    });

    it(`gives up when the blob stream is destroyed before its end, without an error (${by})`, async () => {
      // what a pull does to a layer's feed when another layer failed
      const gz = gzipSync(await sampleTar());
      const feed = new PassThrough();
      feed.write(gz.subarray(0, gz.length >> 1));
      const r = unpackWith(inflater, feed);
      setTimeout(() => feed.destroy(), 50);
      const err = await r;
      expect(err).toBeInstanceOf(MiniboxError);
      expect((err as Error).message).toMatch(/closed before its end|truncated/);
      await waitFor(() => inflaterChildren().length === 0, { what: 'minibox-inflate to be gone' });
    });

    it(`stops a gzip bomb at MINIBOX_MAX_LAYER_BYTES (${by})`, async () => {
      vi.stubEnv('MINIBOX_MAX_LAYER_BYTES', String(4 << 20));
      const tar = await buildTar(Array.from({ length: 64 }, (_, i) => ({ name: `z${i}`, body: Buffer.alloc(1 << 20) })));
      const r = await unpackWith(inflater, gzipSync(tar));
      expect(r).toBeInstanceOf(MiniboxError);
      expect((r as Error).message).toMatch(/more than 4194304 bytes/);
      await waitFor(() => inflaterChildren().length === 0, { what: 'minibox-inflate to be gone' });
    });

    it(`stops an endless gzip stream at the cap, reading only as fast as it extracts (${by})`, async () => {
      vi.stubEnv('MINIBOX_MAX_LAYER_BYTES', String(8 << 20));
      const entry = rawEntry({ name: 'f', flag: '0' }, Buffer.alloc(1 << 20));
      let produced = 0;
      const forever = Readable.from(
        (function* () {
          for (;;) {
            produced += entry.length;
            yield entry;
          }
        })(),
      );
      try {
        const r = await unpackWith(inflater, forever.pipe(createGzip()));
        expect(r).toBeInstanceOf(MiniboxError);
        expect((r as Error).message).toMatch(/more than 8388608 bytes/);
        // bounded read-ahead: the pipes, the child's buffers, the stream buffers
        expect(produced).toBeLessThan(200 << 20);
      } finally {
        forever.destroy();
      }
      await waitFor(() => inflaterChildren().length === 0, { what: 'minibox-inflate to be gone' });
    });
  }
});

describe('the zlib fallback', () => {
  async function expectZlib(): Promise<void> {
    const tar = await sampleTar();
    const r = await unpackWith('auto', gzipSync(tar));
    if (r instanceof Error) throw r;
    expect([r.inflatedBy, r.diffId]).toEqual(['zlib-worker' satisfies InflatedBy, sha(tar)]);
  }

  it('is taken when the program is not built', async () => {
    vi.stubEnv('MINIBOX_INFLATE_BIN', path.join(base, 'no-such-minibox-inflate'));
    await expectZlib();
  });

  it('is taken when the program cannot start (libisal.so.2 missing)', async () => {
    // what the dynamic loader does when the library is gone: a message and status 127
    const bin = path.join(base, 'minibox-inflate');
    fs.writeFileSync(bin, '#!/bin/sh\necho "minibox-inflate: error while loading shared libraries: libisal.so.2" >&2\nexit 127\n', { mode: 0o755 });
    vi.stubEnv('MINIBOX_INFLATE_BIN', bin);
    await expectZlib();
  });

  it('is taken when MINIBOX_INFLATER=zlib', async () => {
    vi.stubEnv('MINIBOX_INFLATER', 'zlib');
    await expectZlib();
  });

  it('refuses an unknown MINIBOX_INFLATER', async () => {
    vi.stubEnv('MINIBOX_INFLATER', 'brotli');
    const r = await unpackWith('auto', gzipSync(await sampleTar()));
    expect((r as Error).message).toMatch(/MINIBOX_INFLATER="brotli" is not one of auto, isal, zlib/);
  });
});
