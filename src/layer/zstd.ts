import { createRequire } from 'node:module';
import { Transform } from 'node:stream';
import { MiniboxError, describe } from '../util/errors.js';

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

/** A Transform from zstd bytes to the uncompressed tar. */
export async function zstdDecompressor(what: string): Promise<Transform> {
  const { Decompress } = await loadFzstd();
  let push: ((chunk: Buffer) => void) | undefined;
  const dec = new Decompress((chunk) => push?.(Buffer.from(chunk)));
  const fail = (err: unknown): MiniboxError => new MiniboxError(`zstd layer ${what} is truncated or corrupt: ${describe(err)}`, 125, { cause: err });
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      push = (c) => this.push(c);
      try {
        dec.push(chunk);
        cb();
      } catch (err) {
        cb(fail(err));
      }
    },
    flush(cb) {
      push = (c) => this.push(c);
      try {
        dec.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(fail(err));
      }
    },
  });
}
