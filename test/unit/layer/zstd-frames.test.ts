import { execFileSync } from 'node:child_process';
import { Readable, pipeline } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_WINDOW, ZstdFrameGuard } from '../../../src/layer/zstd-frames.js';
import { zstdDecompressor } from '../../../src/layer/zstd.js';
import { MiniboxError } from '../../../src/util/errors.js';

const zstd = (args: string[], input: Buffer): Buffer => execFileSync('zstd', ['-q', '-c', ...args], { input, maxBuffer: 1 << 28 });
const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)); // > 2 blocks, compressible

/** Feed `buf` to a guard in `step`-byte pieces (headers straddle pieces). */
function walk(buf: Buffer, step: number): void {
  const g = new ZstdFrameGuard('test');
  for (let i = 0; i < buf.length; i += step) g.check(buf.subarray(i, i + step));
}

async function decode(buf: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of pipeline(Readable.from([buf]), await zstdDecompressor('test'), () => {})) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('zstd frame guard', () => {
  it.each([
    ['default level', ['-3']],
    ['no checksum', ['--no-check']],
    ['level 19', ['-19']],
    ['content size unknown (streamed)', ['--no-content-size']],
    ['long mode at the limit (--long=27)', ['--long=27']],
  ])('passes what zstd writes: %s', (_n, args) => {
    const z = zstd(args, data);
    for (const step of [1, 3, 7, 4096, z.length]) walk(z, step);
  });

  it('passes concatenated frames and skippable frames, and they decode', async () => {
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18]), Buffer.from([5, 0, 0, 0]), Buffer.from('hello')]);
    const z = Buffer.concat([zstd([], data), skippable, zstd(['--no-check'], Buffer.from('tail'))]);
    for (const step of [1, 5, z.length]) walk(z, step);
    expect((await decode(z)).equals(Buffer.concat([data, Buffer.from('tail')]))).toBe(true);
  });

  it('passes what pzstd writes (skippable frames between zstd frames) and it decodes', async () => {
    const big = Buffer.concat(Array.from({ length: 40 }, () => data)); // 12 MB: pzstd splits it into frames
    const z = execFileSync('sh', ['-c', 'pzstd -q -p 2 -c'], { input: big, maxBuffer: 1 << 28 });
    walk(z, 4096);
    expect((await decode(z)).equals(big)).toBe(true);
  });

  it('refuses a window over the limit before decoding, in any piece size', async () => {
    const z = zstd(['--long=28', '--no-content-size'], data); // 256 MiB window
    for (const step of [1, 2, z.length]) expect(() => walk(z, step)).toThrow(`needs a ${2 * MAX_WINDOW}-byte window, more than the ${MAX_WINDOW} bytes`);
    await expect(decode(z)).rejects.toThrow(MiniboxError);
  });

  it('refuses a single-segment frame whose content size is over the limit', () => {
    // descriptor: FCS 8 bytes (flag 3), single segment; content size 2^31
    const fcs = Buffer.alloc(8);
    fcs.writeUInt32LE(2 ** 31, 0);
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), fcs]);
    expect(() => walk(frame, 1)).toThrow(/needs a 2147483648-byte window/);
  });

  it('refuses garbage and reserved bits', () => {
    expect(() => walk(Buffer.from('not zstd'), 3)).toThrow(/truncated or corrupt: unknown frame magic/);
    expect(() => walk(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x08]), 1)).toThrow(/reserved bit/);
  });
});
