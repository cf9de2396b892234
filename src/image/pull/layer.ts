import { promises as fs } from 'node:fs';
import { PassThrough, Transform, pipeline, type Readable } from 'node:stream';
import type { RegistryClient } from '../../registry/client.js';
import type { LayerCompression } from '../../layer/unpack.js';
import type { StatePaths } from '../../util/paths.js';
import { MiniboxError, describe } from '../../util/errors.js';
import { stageBlob, type StagedBlob } from '../blobs.js';
import type { LayerFs } from '../../layer/syscalls.js';
import { discardSnapshot, stageSnapshotFrom, type StagedSnapshot } from '../snapshots.js';
import type { LayerStatus } from './events.js';
import { zstdDecompressor } from '../../layer/zstd.js';

/**
 * One layer of a pull, downloaded once and used twice: the registry's bytes go, chunk by
 * chunk, both into a staged blob file (hashed: the compressed digest) and into the
 * extractor unpacking snapshots/<chainID>.tmp-* (hashed after decompression: the diffID).
 * Neither is visible in the store until the caller commits both; any failure removes both.
 *
 * Should the extractor fail first (corrupt gzip), the download still runs to its end, so
 * the error reported is the true one: a digest mismatch when the registry sent wrong bytes,
 * the extractor's error (naming the blob) when the blob itself is bad.
 */
export interface LayerJob {
  repo: string;
  digest: string;
  size: number;
  mediaType: string;
  compression: LayerCompression;
  diffId: string;
  chainId: string;
}

export interface StagedLayer {
  blob: StagedBlob;
  snapshot: StagedSnapshot;
  unpackedBytes: number;
}

export interface LayerContext {
  client: RegistryClient;
  paths: StatePaths;
  stagingDir: string;
  layerFs?: LayerFs;
  signal?: AbortSignal;
  report: (status: LayerStatus, current?: number, total?: number) => void;
}

const FEED_BUFFER = 1 << 20;
const PROGRESS_EVERY_MS = 100;

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Wait until `s` can take more, or is gone (destroyed by a failed extractor). */
function drained(s: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}

function namingBlob(err: unknown, digest: string, verb: string): unknown {
  if (!(err instanceof Error)) return err;
  if (err.message.includes(digest) || err.message.startsWith('toomanyrequests')) return err;
  return new MiniboxError(`${verb} layer ${digest}: ${describe(err)}`, err instanceof MiniboxError ? err.exitCode : 125, { cause: err });
}

export async function pullLayer(job: LayerJob, ctx: LayerContext): Promise<StagedLayer> {
  const { report } = ctx;
  let downloaded = 0;
  let lastReport = 0;
  report('Downloading', 0, job.size);

  const body = ctx.client.blob(job.repo, job.digest, { size: job.size });
  const onAbort = (): void => void body.destroy(new MiniboxError(`pull of layer ${job.digest} cancelled`));
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted) onAbort();

  // what the extractor reads; a failed extractor destroys it and the download carries on
  const feed = new PassThrough({ highWaterMark: FEED_BUFFER });
  feed.on('error', () => {}); // its failures surface through the snapshot's promise
  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      downloaded += chunk.length;
      const now = Date.now();
      if (now - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = now;
        report('Downloading', downloaded, job.size);
      }
      if (feed.destroyed || feed.writableEnded || feed.write(chunk)) return cb(null, chunk);
      void drained(feed).then(() => cb(null, chunk));
    },
    flush(cb) {
      if (!feed.destroyed) feed.end();
      cb();
    },
  });

  const source = pipeline(body, tee, () => {}) as Readable;
  const blobP = settle(stageBlob(ctx.stagingDir, source, { digest: job.digest, size: job.size, what: 'layer blob' }));
  const snapshotP: Promise<Settled<StagedSnapshot>> =
    job.compression === 'zstd'
      ? zstdSnapshot(job, ctx, feed) // Node's zlib has no zstd: decompress in front of a plain-tar extraction
      : settle(stageSnapshotFrom(ctx.paths, snapshotSource(job, ctx, job.compression), () => feed));
  // an extractor that failed (or never started) must not hold the download up
  void snapshotP.then((s) => {
    if (!s.ok) feed.destroy();
  });

  try {
    const blob = await blobP;
    if (!blob.ok) {
      feed.destroy();
      const s = await snapshotP;
      if (s.ok) await discardSnapshot(s.value);
      throw namingBlob(blob.error, job.digest, 'error pulling');
    }
    report('Verifying Checksum');
    report('Download complete');
    report('Extracting', 0, job.size);
    const timer = setInterval(() => report('Extracting', Math.max(0, job.size - feed.readableLength - feed.writableLength), job.size), PROGRESS_EVERY_MS);
    const snap = await snapshotP.finally(() => clearInterval(timer));
    if (!snap.ok) {
      await fs.rm(blob.value.file, { force: true });
      throw namingBlob(snap.error, job.digest, 'failed to register');
    }
    report('Extracting', job.size, job.size);
    return { blob: blob.value, snapshot: snap.value, unpackedBytes: snap.value.bytes };
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

/** For zstd, `stageSnapshotFrom` reads the decompressed tar; the feed goes through fzstd first. */
function zstdSnapshot(job: LayerJob, ctx: LayerContext, feed: PassThrough): Promise<Settled<StagedSnapshot>> {
  return settle(
    (async () => {
      const dec = await zstdDecompressor(job.digest);
      const tar = pipeline(feed, dec, () => {}) as Readable;
      return stageSnapshotFrom(ctx.paths, snapshotSource(job, ctx, 'none'), () => tar);
    })(),
  );
}

function snapshotSource(job: LayerJob, ctx: LayerContext, compression: LayerCompression) {
  return { chainId: job.chainId, diffId: job.diffId, blobDigest: job.digest, compression, ...(ctx.layerFs ? { layerFs: ctx.layerFs } : {}) };
}
