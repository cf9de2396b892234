import { MiniboxError, describe } from '../util/errors.js';
import { tooManyBytes } from './limits.js';
import { paxNumber } from './pax-number.js';

/**
 * A purpose-built streaming tar parser (ustar, GNU long names, PAX). We do not use
 * tar-stream's extractor here for two reasons: it decodes PAX values as UTF-8, which
 * corrupts binary xattrs such as security.capability, and its per-entry stream objects
 * cost more than the file writes they feed. Bodies are handed out as zero-copy
 * subarrays of the input chunks, synchronously whenever the bytes are already buffered.
 */

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  name: string;
  linkname: string;
  type: EntryType;
  mode: number; // permission bits incl. setuid/setgid/sticky (& 0o7777)
  uid: number;
  gid: number;
  size: number;
  mtime: number; // seconds since the epoch, may be fractional (PAX)
  atime: number | undefined;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer> | undefined; // from SCHILY.xattr.* PAX records, raw bytes
}

const BLOCK = 512;
const XATTR_PREFIX = 'SCHILY.xattr.';
// PAX/GNU meta entries are buffered whole; real ones are a few hundred bytes.
const MAX_META_SIZE = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function sourceError(err: unknown): MiniboxError {
  if (err instanceof MiniboxError) return err;
  return new MiniboxError(`reading the layer stream failed: ${describe(err)}`, 125, { cause: err });
}

export class TarReader {
  private chunks: Buffer[] = [];
  private offset = 0; // into chunks[0]
  private buffered = 0;
  private ended = false;
  private pos = 0; // absolute offset of the next unread byte, for error messages
  private retired: Buffer[] = []; // chunks fully consumed, not yet handed to `release`
  private pulled = 0; // bytes taken from the source so far, against maxBytes

  /**
   * `release`, if given, gets back every input chunk once nothing refers to it any more:
   * at the next pull, by when the synchronous users of its subarrays (body sinks, header
   * decoding) are done. Meta entries are copied, as they outlive the chunk.
   * More than `maxBytes` of input fails (limits.ts), as does an entry announcing more.
   */
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly release?: (chunk: Buffer) => void,
    private readonly maxBytes = Infinity,
  ) {}

  /** Pull one more chunk; false at end of input. */
  private async pull(): Promise<boolean> {
    if (this.retired.length > 0) {
      const release = this.release;
      if (release !== undefined) for (const c of this.retired) release(c);
      this.retired = [];
    }
    if (this.ended) return false;
    let step: IteratorResult<unknown>;
    try {
      step = await this.source.next();
    } catch (err) {
      throw sourceError(err);
    }
    if (step.done) {
      this.ended = true;
      return false;
    }
    const chunk = step.value;
    if (!(chunk instanceof Uint8Array)) throw new MiniboxError('layer stream yielded a non-binary chunk');
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length > 0) {
      this.pulled += buf.length;
      if (this.pulled > this.maxBytes) throw tooManyBytes(this.maxBytes);
      this.chunks.push(buf);
      this.buffered += buf.length;
    }
    return true;
  }

  /** Take up to `max` buffered bytes from the head chunk (zero-copy). Caller ensures buffered > 0. */
  private take(max: number): Buffer {
    const head = this.chunks[0];
    if (head === undefined) throw new Error('TarReader.take on empty buffer');
    const n = Math.min(max, head.length - this.offset);
    const out = head.subarray(this.offset, this.offset + n);
    this.offset += n;
    this.buffered -= n;
    this.pos += n;
    if (this.offset === head.length) {
      this.chunks.shift();
      this.offset = 0;
      if (this.release !== undefined) this.retired.push(head);
    }
    return out;
  }

  /** Exactly n bytes, or null if the input ends first (n > 0). */
  private async readExact(n: number): Promise<Buffer | null> {
    while (this.buffered < n) if (!(await this.pull())) return null;
    const first = this.take(n);
    if (first.length === n) return first;
    const parts = [first];
    let got = first.length;
    while (got < n) {
      const part = this.take(n - got);
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts, n);
  }

  private async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.buffered === 0 && !(await this.pull())) throw this.truncated();
      n -= this.take(n).length;
    }
  }

  private truncated(): MiniboxError {
    return new MiniboxError(`layer tar is truncated (input ended at byte ${this.pos})`);
  }

  /**
   * Next real entry (meta entries folded in), or null at the end-of-archive marker
   * or a clean end of input on a block boundary (GNU tar accepts both).
   */
  async next(): Promise<TarEntry | null> {
    let pax: Map<string, Buffer> | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await this.readExact(BLOCK);
      if (block === null) {
        if (this.buffered === 0 && pax === undefined && longName === undefined) return null;
        throw this.truncated();
      }
      if (isZeroBlock(block)) return null;
      const raw = decodeHeader(block, this.pos - BLOCK);
      if (raw.flag === 'x' || raw.flag === 'g' || raw.flag === 'L' || raw.flag === 'K') {
        if (this.pos + raw.size > this.maxBytes) throw tooManyBytes(this.maxBytes);
        if (raw.size > MAX_META_SIZE) throw new MiniboxError(`tar meta header of ${raw.size} bytes is too large`);
        const view = await this.readExact(raw.size);
        if (view === null) throw this.truncated();
        // A copy when chunks are recycled: PAX values are used after further reads.
        const data = this.release === undefined ? view : Buffer.from(view);
        await this.skip(padding(raw.size));
        // Global headers are ignored, as containerd does; they carry comments in practice.
        if (raw.flag === 'x') pax = parsePax(data);
        else if (raw.flag === 'L') longName = cString(data);
        else if (raw.flag === 'K') longLink = cString(data);
        continue;
      }
      const e = finishEntry(raw, pax, longName, longLink);
      // before reading any of the body: a bomb's one huge entry stops here
      if (this.pos + e.size > this.maxBytes) throw tooManyBytes(this.maxBytes);
      return e;
    }
  }

  /**
   * Feed the current entry's body to `sink` chunk by chunk, then skip its padding.
   * `sink` runs synchronously on buffered data; we only await when the input is dry,
   * which is what gives the upstream decompressor its backpressure. A sink that
   * returns a promise (its own downstream is full) is awaited before the next chunk.
   */
  async body(size: number, sink: ((chunk: Buffer) => Promise<void> | undefined | void) | null): Promise<void> {
    let left = size;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.pull())) throw this.truncated();
      const part = this.take(left);
      left -= part.length;
      if (sink !== null) {
        const wait = sink(part);
        if (wait !== undefined) await wait;
      }
    }
    await this.skip(padding(size));
  }

  /** Consume whatever follows the end-of-archive marker, so a hashing source sees every byte. */
  async drain(): Promise<void> {
    if (this.release !== undefined) this.retired.push(...this.chunks);
    this.chunks = [];
    this.buffered = 0;
    this.offset = 0;
    while (await this.pull()) {
      if (this.release !== undefined) this.retired.push(...this.chunks);
      this.chunks = [];
      this.buffered = 0;
    }
  }
}

interface RawHeader {
  name: string;
  linkname: string;
  flag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

function padding(size: number): number {
  const rem = size % BLOCK;
  return rem === 0 ? 0 : BLOCK - rem;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function decodeText(buf: Buffer, what: string): string {
  const s = buf.toString('utf8');
  // Buffer.toString silently maps bad bytes to U+FFFD, which would write a file under a
  // different name; only pay for the strict decoder when that may have happened.
  if (s.includes('\ufffd')) {
    try {
      return utf8.decode(buf);
    } catch {
      throw new MiniboxError(`tar ${what} is not valid UTF-8: ${JSON.stringify(s)}`);
    }
  }
  return s;
}

function cString(buf: Buffer, start = 0, len = buf.length - start): string {
  const end = start + len;
  let i = start;
  while (i < end && buf[i] !== 0) i++;
  return decodeText(buf.subarray(start, i), 'name');
}

/** Octal ASCII (space/NUL padded) or GNU base-256 (high bit of the first byte set). */
function parseNumber(buf: Buffer, start: number, len: number, field: string, at: number): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    // two's complement below the marker bit: 0x40 set is a negative number
    if (first & 0x40) throw new MiniboxError(`tar header at byte ${at}: negative ${field}`);
    let value = first & 0x3f;
    for (let i = start + 1; i < start + len; i++) value = value * 256 + (buf[i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new MiniboxError(`tar header at byte ${at}: ${field} too large`);
    return value;
  }
  let value = 0;
  let i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  for (; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw new MiniboxError(`tar header at byte ${at}: bad octal in ${field}`);
    value = value * 8 + (c - 0x30);
  }
  return value;
}

function checksumOk(block: Buffer, stored: number): boolean {
  // Sum every byte, then swap the checksum field's own 8 bytes for spaces. `high` counts
  // bytes over 127, which a signed-char sum takes 256 less for.
  let sum = 0;
  let high = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = block[i] ?? 0;
    sum += b;
    high += b >> 7;
  }
  for (let i = 148; i < 156; i++) {
    const b = block[i] ?? 0;
    sum -= b;
    high -= b >> 7;
  }
  sum += 8 * 0x20;
  // Some historic tars summed signed chars; Go and GNU tar accept either.
  return stored === sum || stored === sum - 256 * high;
}

function decodeHeader(block: Buffer, at: number): RawHeader {
  const sum = parseNumber(block, 148, 8, 'checksum', at);
  if (!checksumOk(block, sum)) throw new MiniboxError(`layer tar has an invalid header checksum at byte ${at}`);
  const flagByte = block[156] ?? 0;
  const flag = flagByte === 0 ? '0' : String.fromCharCode(flagByte);
  let name = cString(block, 0, 100);
  // POSIX ustar splits long names into prefix + name; GNU tar uses that area for times.
  // "ustar\0" magic (GNU's is "ustar  \0"), compared bytewise: no string per header.
  const ustar =
    block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0;
  if (ustar && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
  return {
    name,
    linkname: cString(block, 157, 100),
    flag,
    mode: parseNumber(block, 100, 8, 'mode', at) & 0o7777,
    uid: parseNumber(block, 108, 8, 'uid', at),
    gid: parseNumber(block, 116, 8, 'gid', at),
    size: parseNumber(block, 124, 12, 'size', at),
    mtime: parseNumber(block, 136, 12, 'mtime', at),
    devmajor: parseNumber(block, 329, 8, 'devmajor', at),
    devminor: parseNumber(block, 337, 8, 'devminor', at),
  };
}

/** PAX records: "<len> <key>=<value>\n", values kept as raw bytes (xattrs may be binary). */
function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < data.length) {
    if (data[i] === 0) break; // some writers NUL-pad the record block
    const sp = data.indexOf(0x20, i);
    const len = sp < 0 ? NaN : Number(data.toString('latin1', i, sp));
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length || data[i + len - 1] !== 0x0a) {
      throw new MiniboxError('layer tar has a malformed PAX header');
    }
    const eq = data.indexOf(0x3d, sp + 1);
    if (eq < 0 || eq >= i + len) throw new MiniboxError('layer tar has a malformed PAX record');
    out.set(decodeText(data.subarray(sp + 1, eq), 'PAX key'), data.subarray(eq + 1, i + len - 1));
    i += len;
  }
  return out;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
  D: 'dir', // GNU dumpdir: a directory plus a listing we don't need
};

function finishEntry(
  raw: RawHeader,
  pax: Map<string, Buffer> | undefined,
  longName: string | undefined,
  longLink: string | undefined,
): TarEntry {
  const type = TYPES[raw.flag];
  if (type === undefined) {
    const what = raw.flag === 'S' || raw.flag === 'M' ? 'sparse/multi-volume' : `type '${raw.flag}'`;
    throw new MiniboxError(`layer tar entry "${longName ?? raw.name}" has unsupported ${what}`);
  }
  const e: TarEntry = {
    name: longName ?? raw.name,
    linkname: longLink ?? raw.linkname,
    type,
    mode: raw.mode,
    uid: raw.uid,
    gid: raw.gid,
    size: raw.size,
    mtime: raw.mtime,
    atime: undefined,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    xattrs: undefined,
  };
  if (pax !== undefined) applyPax(e, pax);
  // V7/old GNU convention, also honoured by Go's archive/tar: a "file" named with a
  // trailing slash is a directory.
  if (type === 'file' && raw.flag !== '7' && e.name.endsWith('/')) e.type = 'dir';
  // Like Go's archive/tar, header-only types have no data region whatever their size
  // field says; `size` is what the caller must consume (GNU dumpdirs do carry data).
  if (raw.flag >= '1' && raw.flag <= '6') e.size = 0;
  return e;
}

function applyPax(e: TarEntry, pax: Map<string, Buffer>): void {
  for (const key of pax.keys()) {
    if (key.startsWith('GNU.sparse.')) throw new MiniboxError(`layer tar entry "${e.name}" is a sparse file (unsupported)`);
  }
  const path = pax.get('path');
  if (path !== undefined) e.name = decodeText(path, 'PAX path');
  const link = pax.get('linkpath');
  if (link !== undefined) e.linkname = decodeText(link, 'PAX linkpath');
  e.size = paxNumber(pax, 'size', e.size, e.name);
  e.uid = paxNumber(pax, 'uid', e.uid, e.name);
  e.gid = paxNumber(pax, 'gid', e.gid, e.name);
  e.mtime = paxNumber(pax, 'mtime', e.mtime, e.name);
  if (pax.has('atime')) e.atime = paxNumber(pax, 'atime', 0, e.name);
  for (const [key, value] of pax) {
    if (!key.startsWith(XATTR_PREFIX)) continue;
    e.xattrs ??= new Map();
    // Copy: the value is a view into an input chunk we are about to let go of.
    e.xattrs.set(key.slice(XATTR_PREFIX.length), Buffer.from(value));
  }
}
