import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { MiniboxError, describe, errnoCode } from '../util/errors.js';
import { type ExtractOptions, type ExtractStats, extractTar } from './extract.js';
import { layerLimitsFromEnv } from './limits.js';
import { nativeDecompressor } from './native-decompress.js';
import { sniffCompression, unpackLayer } from './unpack.js';

/**
 * Local tar archives as Dockerfile ADD meets them: Docker unpacks a source whose magic bytes
 * say plain tar, gzip, bzip2 or xz (archive.DetectCompression; the name does not matter);
 * minibox takes zstd too, as layers can be zstd. gzip, zstd and plain go through the layer
 * unpacker (unpack.ts); bzip2 and xz, which no image layer uses, through the native decoders.
 */
export type ArchiveFormat = 'tar' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** What the first bytes of `head` say, or undefined when it is no archive we unpack. */
export function archiveFormatOf(head: Buffer): ArchiveFormat | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  // "BZh" + the block size digit, as Docker's check ("BZh" alone would take text files)
  if (head.length >= 4 && head.subarray(0, 3).toString('latin1') === 'BZh' && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(XZ_MAGIC)) return 'xz';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** The archive format of a file, from its first 512 bytes. */
export function sniffArchive(file: string): ArchiveFormat | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new MiniboxError(`cannot open ${file}: ${errnoCode(err) ?? describe(err)}`, 1, { cause: err });
  }
  try {
    const head = Buffer.alloc(512);
    const n = fs.readSync(fd, head, 0, 512, 0);
    return archiveFormatOf(head.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** Unpack the archive `file` (of `format`) into the existing directory `dir`. */
export async function unpackArchive(file: string, format: ArchiveFormat, dir: string, options: ExtractOptions, label = file): Promise<ExtractStats> {
  if (format === 'bzip2' || format === 'xz') {
    const maxBytes = (options.limits ?? layerLimitsFromEnv()).maxBytes;
    // pipeline forwards a read error of the file into the decoder, and tears both down if
    // the extractor stops early; the extractor's own byte limit also holds
    const plain = pipeline(fs.createReadStream(file), nativeDecompressor(format, label, { maxBytes }), () => {});
    return extractTar(plain, dir, options);
  }
  const compression = await sniffCompression(file);
  const { stats } = await unpackLayer(fs.createReadStream(file), compression, dir, { ...options, blobSize: fs.statSync(file).size });
  return stats;
}
