import type { StatePaths } from '../../util/paths.js';
import { listImageRecords, setRef, withImageStoreLock, writeImageRecord, type ImageRecord, type LayerRecord } from '../index-store.js';
import { snapshotDir, treeSize } from '../snapshots.js';
import type { ImageConfig } from '../config.js';
import type { Staging, StagedImage } from './staging.js';

/**
 * The last step of a load, under the store lock: publish the staged blobs and snapshots,
 * then the image records, then the refs, in that order, so a ref never points at an image
 * whose content is not all there. imageRecordOf and publishImage are the same last step
 * for images minibox makes itself (new-image.ts: commit, build).
 */
export interface LoadResult {
  imageId: string;
  names: string[]; // normalised refs now pointing at imageId
  replaced: Array<{ ref: string; previousId: string }>; // refs moved off another image
}

/** Images listed twice (two index entries, two tags in docker save) become one with all names. */
function mergeByImage(images: StagedImage[]): StagedImage[] {
  const byId = new Map<string, StagedImage>();
  for (const img of images) {
    const prior = byId.get(img.config.digest);
    if (prior) prior.names = [...new Set([...prior.names, ...img.names])];
    else byId.set(img.config.digest, { ...img, names: [...new Set(img.names)] });
  }
  return [...byId.values()];
}

async function layerSizes(paths: StatePaths, staging: Staging, image: StagedImage, known: Map<string, number>): Promise<LayerRecord[]> {
  const out: LayerRecord[] = [];
  for (const l of image.layers) {
    const unpackedSize = staging.unpackedSize(l.chainId) ?? known.get(l.chainId) ?? (await treeSize(snapshotDir(paths, l.chainId)));
    known.set(l.chainId, unpackedSize);
    out.push({ digest: l.blob.digest, diffId: l.diffId, chainId: l.chainId, mediaType: l.mediaType, size: l.blob.size, unpackedSize });
  }
  return out;
}

/** An image record from what its config says; `size` is the sum of the layers' unpacked sizes. */
export function imageRecordOf(
  image: { id: string; manifestDigest: string; manifestMediaType: string; config: ImageConfig },
  layers: LayerRecord[],
): ImageRecord {
  const created = image.config.created;
  return {
    id: image.id,
    manifestDigest: image.manifestDigest,
    manifestMediaType: image.manifestMediaType,
    layers,
    ...(created ? { created } : {}),
    size: layers.reduce((sum, l) => sum + l.unpackedSize, 0),
    architecture: image.config.architecture,
    os: image.config.os,
    loadedAt: new Date().toISOString(),
  };
}

/**
 * Write the record, then point each ref at it: the last step of every image that enters
 * the store (load, and commit/build through new-image.ts). Hold the store lock, with the
 * image's blobs and snapshots already published.
 */
export async function publishImage(paths: StatePaths, record: ImageRecord, names: string[]): Promise<LoadResult> {
  await writeImageRecord(paths, record);
  const replaced: LoadResult['replaced'] = [];
  for (const ref of names) {
    const previousId = await setRef(paths, ref, record.id);
    if (previousId) replaced.push({ ref, previousId });
  }
  return { imageId: record.id, names, replaced };
}

export async function commitImages(staging: Staging, images: StagedImage[]): Promise<LoadResult[]> {
  const paths = staging.paths;
  return withImageStoreLock(paths, async () => {
    await staging.commitContent();
    const known = new Map<string, number>();
    for (const rec of await listImageRecords(paths)) for (const l of rec.layers) known.set(l.chainId, l.unpackedSize);
    const results: LoadResult[] = [];
    for (const image of mergeByImage(images)) {
      const record = imageRecordOf(
        { id: image.config.digest, manifestDigest: image.manifest.digest, manifestMediaType: image.manifestMediaType, config: image.parsedConfig },
        await layerSizes(paths, staging, image, known),
      );
      results.push(await publishImage(paths, record, image.names));
    }
    return results;
  });
}
