import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import { MiniboxError, describe } from '../util/errors.js';
import { ZstdFrameGuard } from './zstd-frames.js';

/**
 * zstd layers (application/vnd.oci.image.layer.v1.tar+zstd): Node 20's zlib has no zstd,
 * so decompression goes through `fzstd` (pure JS, no native build), loaded only when a zstd
 * layer shows up. Without it installed, the pull fails with a clear message.
 */
interface FzstdStream {
  ondata: (chunk: Uint8Array, final: boolean) => void;
  push(chunk: Uint8Array, final?: boolean): void;
}
interface FzstdModule {
  Decompress: new (ondata?: (chunk: Uint8Array, final: boolean) => void) => FzstdStream;
}

async function loadFzstd(): Promise<FzstdModule> {
  // require() with a variable name: TypeScript does not need the package at build time, and
  // it works the same in the per-file ESM build and the CommonJS bundle (whose vm-compiled
  // code has no dynamic import(), see bin/minibox)
  const name = 'fzstd';
  try {
    return createRequire(import.meta.url)(name) as FzstdModule;
  } catch (err) {
    throw new MiniboxError(`zstd-compressed layers need the fzstd package (npm install fzstd): ${describe(err)}`);
  }
}

// fzstd decodes synchronously, everything a push() holds, and a zstd block of 4 input
// bytes (an RLE block) inflates to 128 KiB: one 64 KiB read could become 2 GiB in memory
// before anyone reads it. So input goes in slices sized so that a push yields about
// OUT_TARGET, judged by the last push, and output is produced only as it is read (the
// Duplex below is pull-driven: it decodes when the extractor asks for the next chunk).
const SLICE_MIN = 128;
const SLICE_MAX = 128 * 1024;
const SLICE_START = 1024; // at worst ~32 MiB of RLE blocks, and shrunk at once
const OUT_TARGET = 4 * 1024 * 1024;

/** The next slice size after a push of `slice` bytes produced `out` bytes. */
export function nextSlice(slice: number, out: number): number {
  if (out > OUT_TARGET) return Math.max(SLICE_MIN, Math.floor((slice * OUT_TARGET) / out));
  if (out < OUT_TARGET / 4) return Math.min(SLICE_MAX, slice * 2);
  return slice;
}

/** zstd bytes to the uncompressed tar, decoded as the reader asks for it. */
export async function zstdDecompressor(what: string): Promise<Duplex> {
  const { Decompress } = await loadFzstd();
  const fail = (err: unknown): MiniboxError => new MiniboxError(`zstd layer ${what} is truncated or corrupt: ${describe(err)}`, 125, { cause: err });
  return Duplex.from(async function* decode(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    const out: Buffer[] = [];
    let produced = 0;
    const dec = new Decompress((chunk) => {
      out.push(Buffer.from(chunk));
      produced += chunk.length;
    });
    const push = (input: Uint8Array, final: boolean): void => {
      try {
        dec.push(input, final);
      } catch (err) {
        throw fail(err);
      }
    };
    let slice = SLICE_START;
    const frames = new ZstdFrameGuard(what); // refuses huge windows before fzstd allocates them
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) throw new MiniboxError(`zstd layer ${what}: the blob stream yielded a non-binary chunk`);
      frames.check(chunk);
      for (let off = 0; off < chunk.length; ) {
        const n = Math.min(slice, chunk.length - off);
        produced = 0;
        push(chunk.subarray(off, off + n), false);
        off += n;
        slice = nextSlice(n, produced);
        for (let b = out.shift(); b !== undefined; b = out.shift()) yield b;
      }
    }
    push(new Uint8Array(0), true);
    for (let b = out.shift(); b !== undefined; b = out.shift()) yield b;
  });
}
