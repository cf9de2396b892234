import { constants as zc, crc32 as zlibCrc32, deflateRaw, deflateRawSync } from 'node:zlib';

/**
 * gzip for the layer writer, compressed on several threads at once, as pigz does: the tar
 * stream arrives in fixed-size blocks; each is raw-deflated on its own (libuv's threadpool),
 * primed with the 32 KiB before it as the dictionary (so the ratio is that of one stream)
 * and ended with a sync flush (so the pieces concatenate into one deflate stream). The
 * outputs are written in order between one gzip header (mtime 0, no name, OS unix) and the
 * trailer (CRC-32 and size of the whole input). A single zlib stream keeps one core busy;
 * compression is what a layer's time goes to, so on two cores this is the difference.
 *
 * The output depends only on the input's bytes and where its blocks end (the caller's fixed
 * block size), the level and zlib's version: the same tree gives the same digest.
 */
const WINDOW = 32 * 1024;
// ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=3 (unix): what zlib's own gzip writes, without a time
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

/** zlib.crc32 arrived in Node 20.15/22.2; the table version serves older ones. */
let table: Uint32Array | undefined;
export function tableCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return ~c >>> 0;
}
const crc32: (data: Uint8Array, value?: number) => number = typeof zlibCrc32 === 'function' ? zlibCrc32 : tableCrc32;

export class ParallelGzip {
  private crc = 0;
  private isize = 0;
  private dictionary: Buffer | undefined;
  private next = 0; // sequence number of the next block written
  private emitted = 0; // sequence number of the next block to emit
  private readonly ready = new Map<number, Buffer>();
  private failure: Error | undefined;
  private settle: (() => void) | undefined;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  /** `output` gets the blob's bytes in order; it may throw (the error fails the stream). */
  constructor(
    private readonly level: number,
    private readonly output: (chunk: Buffer) => void,
  ) {
    this.output(HEADER);
  }

  get error(): Error | undefined {
    return this.failure;
  }

  /** Compress `block`; `done` once it is no longer read (the caller may reuse it then). */
  write(block: Buffer, done: () => void): void {
    this.crc = crc32(block, this.crc);
    this.isize = (this.isize + block.length) % 2 ** 32;
    const seq = this.next++;
    // one output buffer for the whole block: zlib then deflates it in one threadpool job,
    // instead of returning to this (busy) thread every 16 KiB of output to ask for more
    const chunkSize = Math.max(64 * 1024, block.length + (block.length >> 3) + 1024);
    const opts = { level: this.level, chunkSize, finishFlush: zc.Z_SYNC_FLUSH, ...(this.dictionary ? { dictionary: this.dictionary } : {}) };
    // copied: the caller refills `block` as soon as it has been compressed, possibly before
    // the next block's compression starts reading its dictionary
    this.dictionary = Buffer.from(block.subarray(Math.max(0, block.length - WINDOW)));
    this.inFlight++;
    deflateRaw(block, opts, (err, out) => {
      this.inFlight--;
      done();
      if (err) this.failure ??= err;
      else this.ready.set(seq, out);
      this.emit();
      if (this.inFlight === 0) this.idle?.();
    });
  }

  private emit(): void {
    try {
      for (let out = this.ready.get(this.emitted); out !== undefined && !this.failure; out = this.ready.get(this.emitted)) {
        this.ready.delete(this.emitted++);
        this.output(out);
      }
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
    }
    if (this.settle && (this.failure || this.emitted === this.next)) this.settle();
  }

  /** Stop: nothing more is output; resolves once no compression is running (so `output`'s file may close). */
  async abort(reason: Error): Promise<void> {
    this.failure ??= reason;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  /** After the last write: the final empty block and the trailer, once every block is out. */
  async end(): Promise<void> {
    if (this.emitted !== this.next && !this.failure) await new Promise<void>((resolve) => (this.settle = resolve));
    if (this.failure) throw this.failure;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.isize, 4);
    this.output(Buffer.concat([deflateRawSync(Buffer.alloc(0), { level: this.level }), trailer]));
  }
}
