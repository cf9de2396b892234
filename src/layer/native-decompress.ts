import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import { MiniboxError, describe } from '../util/errors.js';
import { tooManyBytes } from './limits.js';

/**
 * Streaming bzip2 and xz decoders for ADD's local archives (Docker's ADD unpacks identity,
 * gzip, bzip2 and xz tars), bound to Debian's libbz2 and liblzma through ffi-rs.
 *
 * Why not an npm decoder: unbzip2-stream (the only maintained streaming bzip2 one) collects
 * each block's output byte by byte in a JS array and decodes every block already buffered
 * in one write, so a few KB of input become gigabytes of memory before anyone reads;
 * seek-bzip and compressjs decode whole buffers. xz-decompress (WASM xz-embedded) streams
 * well but has a fixed dictionary cap and one global context; lzma-native/node-liblzma are
 * native add-ons whose prebuilt binaries must match the Node ABI. libbz2 and liblzma are
 * always there (dpkg itself depends on both), ffi-rs is already a dependency (linux/libc.ts),
 * and the real libraries are the reference decoders, with a memory limit we can set.
 *
 * The libraries work on C structs and buffers that must stay put between calls, so those
 * live in malloc'd memory; bytes cross with memcpy (ffi-rs passes a Buffer by reference).
 * Output is produced only as the reader asks for it (an async generator behind
 * Duplex.from): one OUT_CHUNK at a time, so memory is flat however much a stream inflates,
 * and `maxBytes` stops a bomb while it streams.
 */
export type NativeFormat = 'bzip2' | 'xz';

const IN_CHUNK = 64 * 1024;
const OUT_CHUNK = 256 * 1024;
/** liblzma's memory limit: `xz -9` needs 65 MiB; a header asking for more is refused, not obeyed. */
export const XZ_MEMLIMIT = 256 * 2 ** 20;

type Ffi = typeof import('ffi-rs');
let ffi: Ffi | undefined;
const opened = new Set<string>();
const LIBS = { c: 'libc.so.6', bz2: 'libbz2.so.1.0', lzma: 'liblzma.so.5' } as const;
type Lib = keyof typeof LIBS;

function open(lib: Lib): Ffi {
  if (ffi === undefined) ffi = createRequire(import.meta.url)('ffi-rs') as Ffi;
  const key = `minibox-decompress-${lib}`;
  if (!opened.has(key)) {
    try {
      ffi.open({ library: key, path: LIBS[lib] });
    } catch (err) {
      throw new MiniboxError(`cannot load ${LIBS[lib]} (needed for ${lib === 'bz2' ? 'bzip2' : 'xz'} archives): ${describe(err)}`);
    }
    opened.add(key);
  }
  return ffi;
}

/** Call a C function whose pointer arguments are passed as addresses (U64) or Buffers. */
function call(lib: Lib, funcName: string, ret: 'i32' | 'u64', params: Array<number | Buffer>): number {
  const f = open(lib);
  const T = f.DataType;
  const value = f.load({
    library: `minibox-decompress-${lib}`,
    funcName,
    retType: ret === 'i32' ? T.I32 : T.U64,
    paramsType: params.map((p) => (typeof p === 'number' ? T.U64 : T.U8Array)),
    paramsValue: params,
  });
  return Number(value);
}

/** Native memory for one decoder: the stream struct and the in/out buffers. */
class NativeBlock {
  readonly base: number;
  constructor(readonly size: number) {
    this.base = call('c', 'calloc', 'u64', [1, size]);
    if (this.base === 0) throw new MiniboxError(`out of memory allocating ${size} bytes for a decoder`);
  }
  write(offset: number, data: Buffer): void {
    if (data.length > 0) call('c', 'memcpy', 'u64', [this.base + offset, data, data.length]);
  }
  read(offset: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    if (length > 0) call('c', 'memcpy', 'u64', [out, this.base + offset, length]);
    return out;
  }
  free(): void {
    call('c', 'free', 'u64', [this.base]);
  }
}

/** One codec's view of its C stream struct (all pointers 64-bit: x86_64 / arm64 Linux). */
interface Codec {
  structSize: number;
  init(strm: number): void; // throws on failure
  /** One decode call; returns the library's code. */
  step(strm: number, finish: boolean): number;
  end(strm: number): void;
  isStreamEnd(code: number): boolean;
  isOk(code: number): boolean; // progress possible (not end, not an error)
  error(code: number): string;
  /** Field offsets inside the struct. */
  nextIn: number;
  availIn: number;
  nextOut: number;
  availOut: number;
  /** Whether a new stream starts after the end of one (bzip2 concatenation, done by hand). */
  restartAfterEnd: boolean;
}

// bz_stream: next_in@0, avail_in@8 (uint), next_out@24, avail_out@32 (uint), …, 80 bytes.
const BZ = { OK: 0, RUN_OK: 1, STREAM_END: 4, UNEXPECTED_EOF: -7 };
const BZ_ERRORS: Record<number, string> = {
  [-2]: 'bad parameters',
  [-3]: 'out of memory',
  [-4]: 'data integrity error (bad CRC or corrupt block)',
  [-5]: 'not a bzip2 stream (bad magic)',
  [-7]: 'unexpected end of stream',
};
const bzip2Codec: Codec = {
  structSize: 80,
  init(strm) {
    const r = call('bz2', 'BZ2_bzDecompressInit', 'i32', [strm, 0, 0]);
    if (r !== BZ.OK) throw new MiniboxError(`bzip2 decoder init failed: ${BZ_ERRORS[r] ?? `error ${r}`}`);
  },
  step: (strm) => call('bz2', 'BZ2_bzDecompress', 'i32', [strm]),
  end: (strm) => void call('bz2', 'BZ2_bzDecompressEnd', 'i32', [strm]),
  isStreamEnd: (code) => code === BZ.STREAM_END,
  isOk: (code) => code === BZ.OK,
  error: (code) => BZ_ERRORS[code] ?? `error ${code}`,
  nextIn: 0,
  availIn: 8,
  nextOut: 24,
  availOut: 32,
  restartAfterEnd: true,
};

// lzma_stream: next_in@0, avail_in@8 (size_t), total_in@16, next_out@24, avail_out@32, …, 136 bytes.
const LZMA = { OK: 0, STREAM_END: 1, BUF_ERROR: 10, RUN: 0, FINISH: 3, CONCATENATED: 0x08 };
const LZMA_ERRORS: Record<number, string> = {
  5: 'out of memory',
  6: `needs more than ${XZ_MEMLIMIT / 2 ** 20} MiB of memory to decode (its dictionary is too large)`,
  7: 'not an xz stream (bad magic)',
  8: 'unsupported options',
  9: 'corrupt data',
  10: 'unexpected end of stream',
};
const xzCodec: Codec = {
  structSize: 136,
  init(strm) {
    const r = call('lzma', 'lzma_stream_decoder', 'i32', [strm, XZ_MEMLIMIT, LZMA.CONCATENATED]);
    if (r !== LZMA.OK) throw new MiniboxError(`xz decoder init failed: ${LZMA_ERRORS[r] ?? `error ${r}`}`);
  },
  step: (strm, finish) => call('lzma', 'lzma_code', 'i32', [strm, finish ? LZMA.FINISH : LZMA.RUN]),
  end: (strm) => void call('lzma', 'lzma_end', 'u64', [strm]),
  isStreamEnd: (code) => code === LZMA.STREAM_END,
  // BUF_ERROR before the end is "no progress possible now", i.e. more input is needed
  isOk: (code) => code === LZMA.OK,
  error: (code) => LZMA_ERRORS[code] ?? `error ${code}`,
  nextIn: 0,
  availIn: 8,
  nextOut: 24,
  availOut: 32,
  restartAfterEnd: false,
};

const CODECS: Record<NativeFormat, Codec> = { bzip2: bzip2Codec, xz: xzCodec };

export interface DecompressOptions {
  /** Fail once the output passes this many bytes (a decompression bomb); default unlimited. */
  maxBytes?: number;
}

/** Compressed `format` bytes in, the plain bytes out, decoded as the reader asks for them. */
export function nativeDecompressor(format: NativeFormat, what: string, options: DecompressOptions = {}): Duplex {
  const codec = CODECS[format];
  const maxBytes = options.maxBytes ?? Infinity;
  const fail = (detail: string): MiniboxError => new MiniboxError(`${format} archive ${what} is truncated or corrupt: ${detail}`, 1);
  /** The input ended inside a stream: each library's own words for it. */
  const cutShort = (): MiniboxError => fail(codec.error(format === 'xz' ? LZMA.BUF_ERROR : BZ.UNEXPECTED_EOF));
  return Duplex.from(async function* decode(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    // [struct | in buffer | out buffer], one allocation
    const inAt = codec.structSize + (8 - (codec.structSize % 8)) % 8;
    const outAt = inAt + IN_CHUNK;
    const mem = new NativeBlock(outAt + OUT_CHUNK);
    const strm = mem.base;
    const u64 = (offset: number, value: number): void => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(value));
      mem.write(offset, b);
    };
    const availIn = (): number => mem.read(codec.availIn, 4).readUInt32LE(0); // both fit in 32 bits here
    const availOut = (): number => mem.read(codec.availOut, 4).readUInt32LE(0);
    let live = false;
    let ended = false; // the current stream reached its end marker
    let produced = 0;
    const start = (): void => {
      for (let off = 0; off < codec.structSize; off += 8) u64(off, 0); // the *_STREAM_INIT state
      codec.init(strm);
      live = true;
      ended = false;
    };
    const stop = (): void => {
      if (live) codec.end(strm);
      live = false;
    };
    try {
      start();
      let sawInput = false;
      /** Decode what is in the in-buffer (pending bytes), yielding each full or final out-buffer. */
      async function* drain(finish: boolean): AsyncGenerator<Buffer> {
        for (;;) {
          if (ended) {
            if (!codec.restartAfterEnd || availIn() === 0) return;
            // bzip2 streams may be concatenated (pbzip2, `cat a.bz2 b.bz2`): start the next one
            // where the last ended, keeping the unread input
            const left = availIn();
            const nextIn = mem.read(codec.nextIn, 8).readBigUInt64LE(0);
            stop();
            start();
            u64(codec.nextIn, Number(nextIn));
            u64(codec.availIn, left);
          }
          u64(codec.nextOut, strm + outAt);
          u64(codec.availOut, OUT_CHUNK);
          const before = availIn();
          const code = codec.step(strm, finish);
          const n = OUT_CHUNK - availOut();
          if (codec.isStreamEnd(code)) ended = true;
          else if (!codec.isOk(code) && !(finish && format === 'xz' && code === LZMA.BUF_ERROR)) throw fail(codec.error(code));
          if (n > 0) {
            produced += n;
            if (produced > maxBytes) throw tooManyBytes(maxBytes);
            yield mem.read(outAt, n);
          }
          if (ended) continue;
          if (n === 0 && availIn() === before) {
            // no progress: the input is used up (more is needed), or at the end, truncated
            if (finish) throw cutShort();
            return;
          }
          if (availIn() === 0 && n < OUT_CHUNK && !finish) return;
        }
      }
      for await (const chunk of source) {
        if (!(chunk instanceof Uint8Array)) throw new MiniboxError(`${format} archive ${what}: the stream yielded a non-binary chunk`);
        const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        for (let off = 0; off < buf.length; off += IN_CHUNK) {
          const slice = buf.subarray(off, Math.min(buf.length, off + IN_CHUNK));
          if (ended && !codec.restartAfterEnd) throw fail('data after the end of the stream');
          mem.write(inAt, slice);
          u64(codec.nextIn, strm + inAt);
          u64(codec.availIn, slice.length);
          sawInput = true;
          yield* drain(false);
        }
      }
      if (!sawInput) throw fail('it is empty');
      if (!ended || format === 'xz') yield* drain(true);
      if (!ended) throw cutShort();
    } finally {
      stop();
      mem.free();
    }
  });
}
