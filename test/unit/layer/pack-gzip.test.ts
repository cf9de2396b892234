import { randomBytes } from 'node:crypto';
import { crc32, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ParallelGzip, tableCrc32 } from '../../../src/layer/pack-gzip.js';

/** The block-parallel gzip: one valid gzip member (zlib checks CRC and size), the same bytes every time. */
async function gzipOf(blocks: Buffer[], level = 6): Promise<Buffer> {
  const out: Buffer[] = [];
  const gz = new ParallelGzip(level, (c) => out.push(Buffer.from(c)));
  for (const b of blocks) gz.write(b, () => {});
  await gz.end();
  return Buffer.concat(out);
}

// compressible but not trivially: words from a small vocabulary with random bytes between
function sample(n: number): Buffer {
  const words = ['layer', 'tar', 'gzip', 'overlay', 'minibox', '\n', ' '];
  const parts: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const p = Math.random() < 0.1 ? randomBytes(8) : Buffer.from(words[Math.floor(Math.random() * words.length)] ?? '');
    parts.push(p);
    size += p.length;
  }
  return Buffer.concat(parts).subarray(0, n);
}

describe('ParallelGzip', () => {
  it('decompresses to its input across many blocks, with a fixed header', async () => {
    const data = sample(3_500_000);
    const blocks = [data.subarray(0, 1 << 20), data.subarray(1 << 20, 2 << 20), data.subarray(2 << 20, 3 << 20), data.subarray(3 << 20)];
    const gz = await gzipOf(blocks);
    expect(gunzipSync(gz).equals(data)).toBe(true);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    expect((await gzipOf(blocks)).equals(gz)).toBe(true);
    // the dictionary carries across blocks: about as small as one stream
    const { gzipSync } = await import('node:zlib');
    expect(gz.length).toBeLessThan(gzipSync(data, { level: 6 }).length * 1.02);
  });

  it('an empty input is a valid empty gzip', async () => {
    expect(gunzipSync(await gzipOf([])).length).toBe(0);
  });

  it('an output that fails fails the stream, and abort waits for the blocks still compressing', async () => {
    let calls = 0;
    const gz = new ParallelGzip(6, () => {
      if (++calls > 1) throw new Error('disk full');
    });
    let done = 0;
    for (let i = 0; i < 3; i++) gz.write(sample(300_000), () => done++);
    await expect(gz.end()).rejects.toThrow('disk full');
    const late = new ParallelGzip(6, () => {});
    late.write(sample(2_000_000), () => done++);
    await late.abort(new Error('stop'));
    expect(done).toBe(4); // every block handed back: its buffer may be reused, its file closed
  });

  it('the fallback CRC-32 agrees with zlib', () => {
    const b = randomBytes(100_000);
    expect(tableCrc32(b)).toBe(crc32(b));
    expect(tableCrc32(b.subarray(500), tableCrc32(b.subarray(0, 500)))).toBe(crc32(b));
  });
});
