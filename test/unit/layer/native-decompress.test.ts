import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nativeDecompressor, type NativeFormat } from '../../../src/layer/native-decompress.js';
import { archiveFormatOf, sniffArchive, unpackArchive } from '../../../src/layer/archive.js';

/** Compress with the host's own tool, as a user's archive would be made. */
function hostCompress(format: NativeFormat, data: Buffer, args: string[] = []): Buffer {
  return execFileSync(format === 'bzip2' ? 'bzip2' : 'xz', ['-c', ...args], { input: data, maxBuffer: 1 << 30 });
}

async function decodeAll(format: NativeFormat, input: Buffer, opts: { maxBytes?: number; chunk?: number } = {}): Promise<Buffer> {
  const chunk = opts.chunk ?? 7919; // odd sizes: stream boundaries fall inside the decoder's blocks
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(input.subarray(i, i + chunk));
  const dec = nativeDecompressor(format, 'test', opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {});
  Readable.from(parts).pipe(dec);
  const out: Buffer[] = [];
  for await (const b of dec) out.push(b as Buffer);
  return Buffer.concat(out);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// compressible but not trivial: text with random words, ~3 MB (several bzip2 blocks)
function sample(): Buffer {
  const words = Array.from({ length: 500 }, () => randomBytes(6).toString('hex'));
  const lines: string[] = [];
  for (let i = 0; i < 60000; i++) lines.push(`${i} ${words[i % 500]} ${words[(i * 7) % 500]}`);
  return Buffer.from(lines.join('\n'));
}

describe.each(['bzip2', 'xz'] as const)('%s decoder (native library)', (format) => {
  it('round-trips a file made by the host tool, fed in odd-sized chunks', async () => {
    const data = sample();
    const out = await decodeAll(format, hostCompress(format, data));
    expect(out.length).toBe(data.length);
    expect(sha(out)).toBe(sha(data));
  });

  it('decodes concatenated streams as one (pbzip2 / `cat a b`)', async () => {
    const a = Buffer.from('first part\n');
    const b = randomBytes(300000);
    const out = await decodeAll(format, Buffer.concat([hostCompress(format, a), hostCompress(format, b)]), { chunk: 65536 });
    expect(sha(out)).toBe(sha(Buffer.concat([a, b])));
  });

  it('refuses a truncated stream with one clear line', async () => {
    const full = hostCompress(format, sample());
    const cut = full.subarray(0, Math.floor(full.length / 2));
    await expect(decodeAll(format, cut)).rejects.toThrow(new RegExp(`^${format} archive test is truncated or corrupt: `));
  });

  it('refuses corrupt data', async () => {
    const full = Buffer.from(hostCompress(format, sample()));
    for (let i = 200; i < 400; i++) full[i] = full[i]! ^ 0x5a;
    await expect(decodeAll(format, full)).rejects.toThrow(/truncated or corrupt/);
  });

  it('stops a decompression bomb at maxBytes while streaming', async () => {
    // 96 MiB of zeros: bzip2 and xz make a few KB of it
    const bomb = execFileSync('sh', ['-c', `head -c ${96 * 2 ** 20} /dev/zero | ${format === 'bzip2' ? 'bzip2' : 'xz -0'} -c`], { maxBuffer: 1 << 24 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const before = process.memoryUsage().rss;
    await expect(decodeAll(format, bomb, { maxBytes: 8 * 2 ** 20 })).rejects.toThrow(/unpacks to more than 8388608 bytes/);
    // memory flat: nowhere near the 96 MiB the stream holds
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });
});

describe('archive detection by magic bytes', () => {
  it('knows the formats Docker ADD unpacks, whatever the name', () => {
    expect(archiveFormatOf(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(archiveFormatOf(Buffer.from('BZh91AY&SY'))).toBe('bzip2');
    expect(archiveFormatOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]))).toBe('xz');
    expect(archiveFormatOf(Buffer.from('BZh is a text file'))).toBeUndefined();
    expect(archiveFormatOf(Buffer.from('plain text'))).toBeUndefined();
  });
});

describe('unpackArchive', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mb-archive-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['bzip2', 'xz'] as const)('extracts a tar.%s made by tar', async (format) => {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'a.txt'), 'hello\n');
    const archive = path.join(dir, 'x.bin'); // the name says nothing
    execFileSync('tar', [format === 'bzip2' ? '-cjf' : '-cJf', archive, '-C', src, 'sub']);
    expect(sniffArchive(archive)).toBe(format);
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const stats = await unpackArchive(archive, format, out, {});
    expect(stats.entries).toBe(2);
    expect(fs.readFileSync(path.join(out, 'sub', 'a.txt'), 'utf8')).toBe('hello\n');
  });
});
