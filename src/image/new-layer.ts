import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ensureStoreDir, type StatePaths } from '../util/paths.js';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { digestHex } from '../oci-format/digest.js';
import { MEDIA_TYPES } from '../oci-format/media-types.js';
import type { PackedLayer } from '../layer/pack.js';
import type { LayerFs } from '../layer/syscalls.js';
import { nativeLayerFs } from '../linux/native-layer-fs.js';
import { commitBlob, hasBlob, hashingTap, removeBlob, stageBlobCopy, type StagedBlob } from './blobs.js';
import { listImageRecords, withImageStoreLock, type LayerRecord } from './index-store.js';
import { chainIdOf, commitSnapshot, hasSnapshot, removeSnapshot, snapshotDir, stageSnapshotFrom, treeSize } from './snapshots.js';
import { scratchName } from './tmp-dirs.js';

/**
 * A layer minibox made itself (commit, build: layer/pack.ts) into the store: the gzip blob
 * under blobs/ and its snapshot under snapshots/<chainID>/, so it can be the lower dir of
 * the next step's overlay at once. The snapshot is unpacked from the blob with the same
 * code a pulled layer goes through (snapshots.ts), which checks the diffID; the blob's
 * digest is checked on that same read (when the snapshot exists already, the blob is taken
 * with the digest pack.ts computed as it wrote it). Nothing is published unless both matched, and
 * both are published under the store lock (so a concurrent rmi cannot interleave).
 *
 * Until an image record names them, a new blob and snapshot belong to no image: an rmi
 * of an image sharing them may remove them meanwhile. writeImage (new-image.ts) checks
 * under the lock that every layer is still there, and fails rather than record a hole.
 */

/** A read of `file` that hashes what passes; `digest()` once it ended. */
function hashedRead(file: string): { stream: Readable; digest: () => string; size: () => number } {
  const tap = hashingTap();
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  src.on('error', (err) => tap.stream.destroy(err));
  src.pipe(tap.stream);
  return { stream: tap.stream, digest: tap.digestHex, size: tap.size };
}

/** Move the packed file into staging (one rename on the store's filesystem, else a verified copy). */
async function stageBlobOf(dir: string, packed: PackedLayer): Promise<StagedBlob> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const dest = path.join(dir, digestHex(packed.digest));
  try {
    await fs.rename(packed.file, dest);
    return { digest: packed.digest, size: packed.size, file: dest };
  } catch (err) {
    if (errnoCode(err) !== 'EXDEV') throw err;
  }
  const staged = await stageBlobCopy(dir, packed.file, { digest: packed.digest, size: packed.size, what: 'layer' });
  await fs.rm(packed.file, { force: true });
  return staged;
}

function recordOf(packed: PackedLayer, chainId: string, unpackedSize: number): LayerRecord {
  return { digest: packed.digest, diffId: packed.diffId, chainId, mediaType: MEDIA_TYPES.ociLayerGzip, size: packed.size, unpackedSize };
}

/**
 * Commit `packed` (its file is consumed: moved into the store, or removed) as the layer
 * above `parentChainId`. Returns the record an image lists it by.
 */
export async function storeLayer(
  paths: StatePaths,
  packed: PackedLayer,
  parentChainId: string | undefined,
  layerFs: LayerFs = nativeLayerFs,
): Promise<LayerRecord> {
  const chainId = chainIdOf(parentChainId, packed.diffId);
  ensureStoreDir(paths, paths.tmp);
  const dir = path.join(paths.tmp, scratchName('layer'));
  try {
    const staged = await stageBlobOf(dir, packed);
    let unpacked: Awaited<ReturnType<typeof stageSnapshotFrom>> | undefined;
    if (!(await hasSnapshot(paths, chainId))) {
      const read = hashedRead(staged.file);
      unpacked = await stageSnapshotFrom(
        paths,
        { chainId, diffId: packed.diffId, blobDigest: packed.digest, compression: 'gzip', layerFs },
        () => read.stream,
      );
      if (`sha256:${read.digest()}` !== packed.digest || read.size() !== packed.size) {
        await fs.rm(unpacked.tmpDir, { recursive: true, force: true });
        throw new MiniboxError(`layer blob ${packed.file} changed after it was written: its digest is no longer ${packed.digest}`);
      }
    }
    const unpackedSize = unpacked?.bytes ?? (await treeSize(snapshotDir(paths, chainId)));
    await withImageStoreLock(paths, async () => {
      await commitBlob(paths, staged);
      if (unpacked) await commitSnapshot(paths, unpacked);
      if (!(await hasBlob(paths, packed.digest)) || !(await hasSnapshot(paths, chainId))) {
        throw new MiniboxError(`layer ${packed.digest} was removed while it was being stored (concurrent rmi?); try again`);
      }
    });
    return recordOf(packed, chainId, unpackedSize);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(packed.file, { force: true });
  }
}

/**
 * Undo storeLayer for a layer no image came to use (the image could not be written): its
 * blob and snapshot go unless an image record names them. `inUse` lists chainIDs something
 * outside the store still builds on (a build's next step); those are kept.
 */
export async function discardLayer(paths: StatePaths, layer: LayerRecord, inUse: ReadonlySet<string> = new Set()): Promise<void> {
  await withImageStoreLock(paths, async () => {
    const records = await listImageRecords(paths);
    if (!records.some((r) => r.layers.some((l) => l.digest === layer.digest))) await removeBlob(paths, layer.digest);
    if (!inUse.has(layer.chainId) && !records.some((r) => r.layers.some((l) => l.chainId === layer.chainId))) await removeSnapshot(paths, layer.chainId);
  });
}
