import { MiniboxError } from '../util/errors.js';

/**
 * A walk over a zstd stream's frame and block headers (RFC 8878 §3.1), ahead of the
 * decoder, that refuses a frame whose window is larger than MAX_WINDOW. fzstd allocates
 * the whole declared window up front and shifts it on every block: a 1 GiB window took
 * 1.1 GB of RSS and 16 s for 22 MB of data here, and a frame header is a few bytes. The
 * limit is libzstd's own default for decoding (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27, which
 * `zstd -d` also applies unless given --memory), so no layer `zstd` itself writes without
 * --long or --ultra is refused. Block bodies are skipped, not read: the walk costs a few
 * operations per 128 KiB block.
 */
export const MAX_WINDOW = 2 ** 27;

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

type Step = 'magic' | 'skippable-size' | 'descriptor' | 'header' | 'block';

export class ZstdFrameGuard {
  private step: Step = 'magic';
  private need = 4; // header bytes the current step wants
  private readonly head: number[] = [];
  private skip = 0; // body bytes to pass over
  private descriptor = 0;

  constructor(private readonly what: string) {}

  /** Walk `chunk`, the next bytes of the stream; throws on an oversized window or a malformed header. */
  check(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        i += n;
        this.skip -= n;
        continue;
      }
      while (this.head.length < this.need && i < chunk.length) this.head.push(chunk[i++] ?? 0);
      if (this.head.length < this.need) return;
      this.advance(this.head);
      this.head.length = 0;
    }
  }

  private advance(h: number[]): void {
    switch (this.step) {
      case 'magic': {
        const magic = le(h, 0, 4);
        if (magic === FRAME_MAGIC) this.expect('descriptor', 1);
        else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) this.expect('skippable-size', 4);
        else throw this.bad(`unknown frame magic 0x${magic.toString(16)}`);
        return;
      }
      case 'skippable-size':
        this.skip = le(h, 0, 4);
        this.expect('magic', 4);
        return;
      case 'descriptor': {
        this.descriptor = h[0] ?? 0;
        if (this.descriptor & 0x08) throw this.bad('reserved bit set in a frame header');
        this.expect('header', headerSize(this.descriptor));
        return;
      }
      case 'header': {
        const window = windowSize(this.descriptor, h);
        if (window > MAX_WINDOW) {
          throw new MiniboxError(`zstd layer ${this.what} needs a ${window}-byte window, more than the ${MAX_WINDOW} bytes zstd decodes by default`);
        }
        this.expect('block', 3);
        return;
      }
      case 'block': {
        const bh = le(h, 0, 3);
        const type = (bh >> 1) & 3;
        if (type === 3) throw this.bad('reserved block type');
        this.skip = type === 1 ? 1 : bh >>> 3; // RLE blocks carry one byte
        if ((bh & 1) === 0) return; // more blocks follow
        if (this.descriptor & 0x04) this.skip += 4; // content checksum
        this.expect('magic', 4);
      }
    }
  }

  private expect(step: Step, need: number): void {
    this.step = step;
    this.need = need;
  }

  private bad(why: string): MiniboxError {
    return new MiniboxError(`zstd layer ${this.what} is truncated or corrupt: ${why}`);
  }
}

function le(h: number[], at: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + (h[at + i] ?? 0);
  return v;
}

const DICT_BYTES = [0, 1, 2, 4];
const FCS_BYTES = [0, 2, 4, 8];

function singleSegment(descriptor: number): boolean {
  return (descriptor & 0x20) !== 0;
}

function fcsBytes(descriptor: number): number {
  const flag = descriptor >> 6;
  return flag === 0 && singleSegment(descriptor) ? 1 : (FCS_BYTES[flag] ?? 0);
}

/** Window_Descriptor + Dictionary_ID + Frame_Content_Size. */
function headerSize(descriptor: number): number {
  return (singleSegment(descriptor) ? 0 : 1) + (DICT_BYTES[descriptor & 3] ?? 0) + fcsBytes(descriptor);
}

function windowSize(descriptor: number, h: number[]): number {
  if (!singleSegment(descriptor)) {
    const wd = h[0] ?? 0;
    const base = 2 ** (10 + (wd >> 3));
    return base + (base / 8) * (wd & 7);
  }
  // single segment: the window is the content size
  const at = DICT_BYTES[descriptor & 3] ?? 0;
  const n = fcsBytes(descriptor);
  const size = le(h, at, n);
  return n === 2 ? size + 256 : size;
}
