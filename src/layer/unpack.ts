import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { type Readable, type TransformOptions, pipeline } from 'node:stream';
import { type ZlibOptions, createGunzip } from 'node:zlib';
import { MiniboxError, describe, errnoCode } from '../util/errors.js';
import { type ExtractOptions, type ExtractStats, extractChunks } from './extract.js';
import { InflateWorker, inflateInternalsOk, wholeFileOf } from './inflate-worker.js';
import { type InflaterChoice, NativeInflate, nativeInflaterPath } from './inflate-native.js';
import { zstdDecompressor } from './zstd.js';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

// Big inflate output chunks: each one is a threadpool round trip and an event-loop turn.
const INFLATE_CHUNK = 256 * 1024;
// Let inflate run this far ahead of the extractor: while the main thread is inside a
// burst of file syscalls the threadpool keeps decompressing instead of idling.
const INFLATE_AHEAD = 8 * 1024 * 1024;

const LAYER_PREFIXES = ['application/vnd.oci.image.layer.', 'application/vnd.docker.image.rootfs.'];

/** From an OCI/Docker layer media type; throws MiniboxError for unknown types. */
export function compressionOf(mediaType: string): LayerCompression {
  const type = (mediaType.split(';')[0] ?? '').trim().toLowerCase();
  if (LAYER_PREFIXES.some((p) => type.startsWith(p))) {
    if (type.endsWith('.tar')) return 'none';
    if (type.endsWith('.tar+gzip') || type.endsWith('.tar.gzip')) return 'gzip';
    if (type.endsWith('.tar+zstd')) return 'zstd';
  }
  throw new MiniboxError(`unsupported layer media type "${mediaType}"`);
}

/** Sniff the magic bytes of a blob file — docker-save tarballs don't say. */
export async function sniffCompression(file: string): Promise<LayerCompression> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (err) {
    throw new MiniboxError(`cannot open layer blob ${file}: ${errnoCode(err) ?? describe(err)}`, 125, { cause: err });
  }
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buf.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
    return 'none';
  } finally {
    await handle.close();
  }
}

/** One event-loop turn (not just a microtask): lets pending I/O callbacks run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Hash every uncompressed byte as it passes (update() reads the chunk; no copy).
 *
 * Between chunks it gives the event loop a turn. The extractor works through buffered
 * chunks with microtask awaits only, and zlib needs a macrotask callback on this thread
 * after every output chunk to start inflating the next one on the threadpool: without
 * the turn, inflate sits idle for as long as the extractor is busy, then the extractor
 * waits for inflate, and the two never overlap.
 */
async function* hashing(source: AsyncIterable<unknown>, hash: Hash, gzip: boolean): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) {
      if (!Buffer.isBuffer(chunk)) throw new MiniboxError('layer blob stream yielded a non-Buffer chunk');
      hash.update(chunk);
      yield chunk;
      await turn();
    }
  } catch (err) {
    if (err instanceof MiniboxError) throw err;
    const code = errnoCode(err);
    if (gzip && code !== undefined && code.startsWith('Z_')) {
      throw new MiniboxError(`gzip layer is truncated or corrupt: ${describe(err)}`, 125, { cause: err });
    }
    throw new MiniboxError(`reading the layer blob failed: ${describe(err)}`, 125, { cause: err });
  }
}

export interface UnpackOptions extends ExtractOptions {
  /** Size of the compressed blob in bytes, if known (a file's, or the manifest's). */
  blobSize?: number;
  /**
   * Inflate and hash off this thread while it parses and writes: in minibox-inflate
   * (inflate-native.ts, ISA-L) where it is built, else on a worker thread with zlib
   * (inflate-worker.ts). Default: for gzip blobs of unknown size or at least WORKER_MIN_BLOB bytes.
   */
  inflateWorker?: boolean;
  /** 'zlib' keeps to Node's zlib even where minibox-inflate (ISA-L) is built; default 'auto'. */
  inflater?: InflaterChoice;
}

/** Which decoder a layer went through (tests and benchmarks look). */
export type InflatedBy = 'isal' | 'zlib-worker' | 'zlib' | Exclude<LayerCompression, 'gzip'>;

/**
 * Below this (compressed) size the worker's start-up (~25 ms) costs more than the
 * overlap wins: the in-thread path inflates ~4 MB of gzip in roughly that time.
 */
export const WORKER_MIN_BLOB = 2 * 1024 * 1024;

/** Decompress + hash + extract; returns the diffID (sha256 of the uncompressed tar bytes). */
export async function unpackLayer(
  blob: Readable,
  compression: LayerCompression,
  root: string,
  options: UnpackOptions = {},
): Promise<{ diffId: string; stats: ExtractStats; inflatedBy: InflatedBy }> {
  const big = options.blobSize === undefined || options.blobSize >= WORKER_MIN_BLOB;
  const bin = compression === 'gzip' && (options.inflateWorker ?? big) ? nativeInflaterPath(options.inflater) : undefined;
  const native = bin === undefined ? undefined : await NativeInflate.start(bin, blob, wholeFileOf(blob));
  if (native !== undefined) {
    try {
      const stats = await extractChunks(native, root, options, (chunk) => native.release(chunk));
      return { diffId: native.diffId(), stats, inflatedBy: 'isal' };
    } finally {
      await native.close();
    }
  }
  const useWorker = compression === 'gzip' && (options.inflateWorker ?? big) && inflateInternalsOk();
  if (useWorker) {
    const inflated = new InflateWorker(blob, wholeFileOf(blob));
    try {
      const stats = await extractChunks(inflated, root, options, (chunk) => inflated.release(chunk));
      return { diffId: inflated.diffId(), stats, inflatedBy: 'zlib-worker' };
    } finally {
      await inflated.close();
    }
  }
  let source: Readable = blob;
  if (compression === 'gzip') {
    // zlib streams are Transforms and honour the stream options; @types/node's ZlibOptions omits them.
    const opts: ZlibOptions & TransformOptions = { chunkSize: INFLATE_CHUNK, readableHighWaterMark: INFLATE_AHEAD };
    const gunzip = createGunzip(opts);
    // pipeline forwards a blob read error into gunzip (and so into our iteration) and
    // tears both down if we stop reading early.
    source = pipeline(blob, gunzip, () => {});
  } else if (compression === 'zstd') {
    // Node 20's zlib has no zstd: a pure-JS decoder in front of the plain-tar path
    source = pipeline(blob, await zstdDecompressor('layer'), () => {});
  }
  const hash = createHash('sha256');
  const stats = await extractChunks(hashing(source, hash, compression !== 'none'), root, options);
  return { diffId: `sha256:${hash.digest('hex')}`, stats, inflatedBy: compression === 'gzip' ? 'zlib' : compression };
}
