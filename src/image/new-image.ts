import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ensureStoreDir, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { isObject } from '../util/json.js';
import { MEDIA_TYPES } from '../oci-format/media-types.js';
import { normalizeReference, parseReference } from '../oci-format/reference.js';
import { commitBlob, hasBlob, stageBlob, type StagedBlob } from './blobs.js';
import { parseImageConfig, type ImageConfig } from './config.js';
import { withImageStoreLock, type LayerRecord } from './index-store.js';
import { imageRecordOf, publishImage } from './load/commit.js';
import { hasSnapshot } from './snapshots.js';
import { scratchName } from './tmp-dirs.js';

/**
 * An image minibox made (commit, build) into the store: the config blob (its digest is the
 * image ID), an OCI manifest blob naming it and the layers, the image record, the tags.
 * Both blobs are staged first; then, under the store lock, the layers are checked to be
 * still there (storeLayer published them, an rmi may have raced), the blobs published,
 * and the record and refs written by the same step a load ends with (load/commit.ts).
 * A failure before that leaves nothing; the refs are the last thing written.
 */
export interface NewImage {
  config: object; // the full OCI image config JSON
  layers: LayerRecord[];
  tags: string[]; // as the user wrote them (busybox:mine) or normalised
}

export interface WrittenImage {
  id: string;
  manifestDigest: string;
  names: string[]; // the normalised refs now pointing at the image
  replaced: Array<{ ref: string; previousId: string }>; // tags moved off another image (now maybe <none>)
}

/** A tag for a new image: a name with an optional tag, never a digest (Docker's wording). */
export function tagRef(input: string): string {
  const parsed = parseReference(input);
  if (parsed.digest !== undefined) throw new MiniboxError(`refusing to create a tag with a digest reference`, 1);
  return normalizeReference(input);
}

/**
 * The config must describe exactly these layers, and its history must not claim more layers
 * than there are (fewer is allowed: some images in the wild lack history for their lower layers).
 */
function checkConfig(config: object, layers: LayerRecord[]): ImageConfig {
  const parsed = parseImageConfig(config);
  const diffIds = layers.map((l) => l.diffId);
  if (parsed.rootfs.diff_ids.length !== diffIds.length || parsed.rootfs.diff_ids.some((d, i) => d !== diffIds[i])) {
    throw new MiniboxError('image config rootfs.diff_ids does not match the image layers');
  }
  const history = (config as Record<string, unknown>)['history'];
  if (Array.isArray(history)) {
    const withLayer = history.filter((h) => !(isObject(h) && h['empty_layer'] === true)).length;
    if (withLayer > layers.length) {
      throw new MiniboxError(`image config history has ${withLayer} entries with a layer, but the image has ${layers.length} layers`);
    }
  }
  return parsed;
}

function manifestOf(config: StagedBlob, layers: LayerRecord[]): object {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
}

async function stageJson(dir: string, value: object): Promise<StagedBlob> {
  return stageBlob(dir, Readable.from([Buffer.from(JSON.stringify(value))]));
}

export async function writeImage(paths: StatePaths, img: NewImage): Promise<WrittenImage> {
  const parsed = checkConfig(img.config, img.layers);
  const names = [...new Set(img.tags.map(tagRef))];
  ensureStoreDir(paths, paths.tmp);
  const dir = path.join(paths.tmp, scratchName('image'));
  try {
    const config = await stageJson(dir, img.config);
    const manifest = await stageJson(dir, manifestOf(config, img.layers));
    return await withImageStoreLock(paths, async () => {
      for (const l of img.layers) {
        if (!(await hasBlob(paths, l.digest)) || !(await hasSnapshot(paths, l.chainId))) {
          throw new MiniboxError(`layer ${l.digest} was removed while the image was being made (concurrent rmi?); try again`);
        }
      }
      await commitBlob(paths, config);
      await commitBlob(paths, manifest);
      const record = imageRecordOf(
        { id: config.digest, manifestDigest: manifest.digest, manifestMediaType: MEDIA_TYPES.ociManifest, config: parsed },
        img.layers,
      );
      const result = await publishImage(paths, record, names);
      return { id: record.id, manifestDigest: manifest.digest, names, replaced: result.replaced };
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
