import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { MiniboxError, describe, errnoCode } from '../util/errors.js';
import { ParallelGzip } from './pack-gzip.js';
import { END_OF_ARCHIVE, encodeHeader, paddingOf } from './pack-header.js';
import { type PackFs, type WalkEntry, nativePackFs, walkTree } from './pack-walk.js';

/**
 * The layer writer: a directory tree (a container's overlay upper dir, or a build's
 * staging dir) → an OCI layer blob (tar + gzip), in one pass. Each file is read once;
 * its bytes go into a batch buffer that is hashed (the diffID: sha256 of the tar) and
 * handed to zlib, whose output is hashed (the digest) and written to `outFile` as it
 * comes. Memory stays bounded (a batch plus what zlib may queue), however big the tree.
 *
 * Deterministic: entries in a fixed order (pack-walk.ts), headers that depend only on
 * the tree (pack-header.ts), a gzip header with mtime 0 and no file name, one fixed
 * compression level. With `epoch` every mtime later than it is clamped to it
 * (SOURCE_DATE_EPOCH's rule), so the same content gives the same digest on every run.
 *
 * File reads are synchronous, like the extractor's writes (apply.ts): the main thread
 * has nothing else to do, and compression runs on libuv's threadpool meanwhile.
 */

export interface PackOptions {
  /** clamp every mtime to this (seconds since the epoch): --reproducible / SOURCE_DATE_EPOCH */
  epoch?: number;
  /** 'upper': interpret overlay whiteouts/opaque xattrs (RUN, commit); 'plain': a tree as is (COPY/ADD staging) */
  kind: 'upper' | 'plain';
  /**
   * put entries under this path inside the layer (COPY dest), default ''. With a prefix the
   * tree's root is an entry itself (`<prefix>/`, with the root's owner and mode); the
   * prefix's parents are not (an extractor makes them), so an existing /app or /tmp keeps
   * its own mode. Without one the root is not in the layer, as in Docker's.
   */
  prefix?: string;
  /** layer names ('etc/hosts') of non-directories to leave out: the runtime's placeholders */
  exclude?: readonly string[];
  /**
   * 'upper': the container's lower layers (snapshot dirs, bottom → top). With them, a
   * directory left holding only excluded entries is left out as well when the layers below
   * have it with the same mode and owner (a bare copy-up: /etc for the placeholders).
   */
  lowerDirs?: readonly string[];
  /** gzip level, default 6 (zlib's and Go's default: what Docker's layers use) */
  level?: number;
  /** the xattr calls; default the libc ones */
  fs?: PackFs;
}

export interface PackedLayer {
  diffId: string; // sha256 of the tar
  digest: string; // sha256 of the gzip blob
  size: number; // gzip bytes
  file: string; // the gzip file (outFile)
  emptyLayer: boolean; // no entries at all
  tarSize: number; // uncompressed bytes
  entries: number;
}

// The tar goes to gzip in blocks of BATCH bytes (pack-gzip.ts compresses them in parallel).
const BATCH = 1 << 20;
// Batches in flight: one being filled, the rest being compressed. Each comes back when zlib
// is done with it, so memory is fixed (and the GC has nothing to do) and two can compress
// at once while this thread reads and hashes the next.
const BATCHES = 4;

/** '/a/b/' and './a//b' → 'a/b'; '..' refused: a prefix stays inside the layer. */
export function normalisePrefix(prefix: string | undefined): string {
  const parts = (prefix ?? '').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new MiniboxError(`layer prefix "${prefix ?? ''}" must not contain ".."`);
  return parts.join('/');
}

/** The tar stream's consumer: batches, hashes the tar, feeds gzip, whose output is hashed and written. */
class LayerSink {
  private readonly free: Buffer[] = [];
  private waiting: (() => void) | undefined; // flush() waiting for a batch to come back
  private batch: Buffer;
  private used = 0;
  private readonly tarHash = createHash('sha256');
  private readonly gzHash = createHash('sha256');
  private readonly gzip: ParallelGzip;
  tarSize = 0;
  gzSize = 0;

  constructor(level: number, fd: number) {
    for (let i = 0; i < BATCHES; i++) this.free.push(Buffer.allocUnsafe(BATCH));
    this.batch = this.free.pop() ?? Buffer.allocUnsafe(BATCH);
    this.gzip = new ParallelGzip(level, (chunk) => {
      this.gzHash.update(chunk);
      this.gzSize += chunk.length;
      try {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      } catch (err) {
        throw new MiniboxError(`writing the layer blob failed: ${describe(err)}`, 125, { cause: err });
      }
    });
  }

  /** Room left in the batch, after flushing a full one. */
  async room(): Promise<number> {
    if (this.used === BATCH) await this.flush();
    return BATCH - this.used;
  }

  async put(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const n = Math.min(await this.room(), buf.length - off);
      buf.copy(this.batch, this.used, off, off + n);
      this.used += n;
      off += n;
    }
  }

  async zeros(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const k = Math.min(await this.room(), left);
      this.batch.fill(0, this.used, this.used + k);
      this.used += k;
      left -= k;
    }
  }

  /** Read up to `max` bytes of `fd` at `pos` straight into the batch; 0 at end of file. */
  async readInto(fd: number, max: number, pos: number): Promise<number> {
    const n = Math.min(await this.room(), max);
    const got = fs.readSync(fd, this.batch, this.used, n, pos);
    this.used += got;
    return got;
  }

  private check(): void {
    const err = this.gzip.error;
    if (err === undefined) return;
    throw err instanceof MiniboxError ? err : new MiniboxError(`compressing the layer failed: ${describe(err)}`, 125, { cause: err });
  }

  /**
   * Hand the batch to gzip and take a free one. Blocks end only here, at whole batches (and
   * at the end), which keeps the compressed bytes a function of the tar alone.
   */
  private async flush(): Promise<void> {
    this.check();
    if (this.used === 0) return;
    const full = this.batch;
    const chunk = full.subarray(0, this.used);
    this.tarHash.update(chunk);
    this.tarSize += chunk.length;
    this.gzip.write(chunk, () => {
      this.free.push(full);
      const w = this.waiting;
      this.waiting = undefined;
      w?.();
    });
    this.used = 0;
    while (this.free.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    this.check();
    this.batch = this.free.pop() ?? Buffer.allocUnsafe(BATCH);
  }

  /** After a failure: wait until no compression can still write to the file. */
  async abort(err: unknown): Promise<void> {
    await this.gzip.abort(err instanceof Error ? err : new Error(String(err)));
  }

  async finish(): Promise<{ diffId: string; digest: string }> {
    await this.flush();
    await this.gzip.end().catch(() => this.check());
    this.check();
    return { diffId: `sha256:${this.tarHash.digest('hex')}`, digest: `sha256:${this.gzHash.digest('hex')}` };
  }
}

/** `file` is opened through its directory's descriptor (pack-walk.ts); `shown` names it in messages. */
async function writeBody(sink: LayerSink, e: WalkEntry, file: string, shown: string): Promise<void> {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw new MiniboxError(`cannot read ${shown} for the layer: ${errnoCode(err) ?? describe(err)}`, 125, { cause: err });
  }
  try {
    let pos = 0;
    while (pos < e.size) {
      const got = await sink.readInto(fd, e.size - pos, pos);
      if (got === 0) {
        throw new MiniboxError(`${shown} shrank while the layer was being written (${e.size} bytes, then ${pos}); stop or pause the container and try again`);
      }
      pos += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  // A file that grew meanwhile is taken as it was when listed: the header said e.size.
  await sink.zeros(paddingOf(e.size));
}

function clampMtime(mtime: number, epoch: number | undefined): number {
  return epoch !== undefined && mtime > epoch ? epoch : mtime;
}

/** Pack `dir` into `outFile` (created or truncated); on failure `outFile` is removed. */
export async function packDirectory(dir: string, outFile: string, opts: PackOptions): Promise<PackedLayer> {
  const level = opts.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new MiniboxError(`gzip level ${level} is not 0-9`);
  if (opts.epoch !== undefined && !(Number.isInteger(opts.epoch) && opts.epoch >= 0)) {
    throw new MiniboxError(`epoch ${opts.epoch} is not a whole number of seconds since 1970`);
  }
  const walk = walkTree(dir, {
    kind: opts.kind,
    prefix: normalisePrefix(opts.prefix),
    exclude: new Set(opts.exclude ?? []),
    lowerDirs: opts.lowerDirs ?? [],
    fs: opts.fs ?? nativePackFs,
  });
  const fd = fs.openSync(outFile, 'w', 0o600);
  let entries = 0;
  let sink: LayerSink | undefined;
  try {
    sink = new LayerSink(level, fd);
    for (const e of walk) {
      entries++;
      await sink.put(encodeHeader({ ...e, mtime: clampMtime(e.mtimeSec, opts.epoch) }));
      if (e.path !== undefined && e.size > 0) await writeBody(sink, e, e.path, e.shown);
    }
    await sink.put(END_OF_ARCHIVE);
    const { diffId, digest } = await sink.finish();
    fs.closeSync(fd);
    return { diffId, digest, size: sink.gzSize, file: outFile, emptyLayer: entries === 0, tarSize: sink.tarSize, entries };
  } catch (err) {
    await sink?.abort(err);
    try {
      fs.closeSync(fd);
    } catch {
      // closed already
    }
    fs.rmSync(outFile, { force: true });
    throw err;
  }
}
