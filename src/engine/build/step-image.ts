import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { StatePaths } from '../../util/paths.js';
import { ensureStoreDir } from '../../util/paths.js';
import { MiniboxError } from '../../util/errors.js';
import { readBlobText } from '../../image/blobs.js';
import { readImageRecord, type LayerRecord } from '../../image/index-store.js';
import { snapshotDir } from '../../image/snapshots.js';
import { scratchName } from '../../image/tmp-dirs.js';
import { storeLayer } from '../../image/new-layer.js';
import { writeImage } from '../../image/new-image.js';
import { packDirectory, type PackOptions } from '../../layer/pack.js';
import { imageConfigJson, stageImageOf, withStep, type HistoryEntry, type RuntimeConfig, type StageImage } from '../../build/image-state.js';
import { recordCache } from '../../build/cache.js';

/**
 * A build step's result as an image in the store: the layer it made (if any) packed from a
 * directory and stored, the config with one more history entry, an untagged image written,
 * the cache entry recorded. Also the other way: a stored image (a base, a cache hit) as the
 * state the next step starts from.
 */
export interface ImageState {
  imageId: string; // '' for FROM scratch before any step
  img: StageImage;
  layers: LayerRecord[];
  snapshotDirs: string[]; // bottom → top
}

export async function imageState(paths: StatePaths, imageId: string): Promise<ImageState> {
  const record = await readImageRecord(paths, imageId);
  if (!record) throw new MiniboxError(`No such image: ${imageId}`, 1);
  const img = stageImageOf(JSON.parse(await readBlobText(paths, imageId)) as unknown);
  return { imageId, img, layers: record.layers, snapshotDirs: record.layers.map((l) => snapshotDir(paths, l.chainId)) };
}

export interface StepResult {
  config?: RuntimeConfig;
  createdBy: string;
  author?: string;
  layer?: LayerRecord; // the step's layer (packLayer), none for a config-only step
  cacheKey: string;
}

export interface StepClock {
  created(): string; // ISO time for config and history (the epoch under --reproducible)
  epoch?: number;
}

export async function packLayer(paths: StatePaths, parent: ImageState, dir: string, pack: PackOptions): Promise<LayerRecord> {
  ensureStoreDir(paths, paths.tmp);
  const out = path.join(paths.tmp, `${scratchName('build-layer')}.tar.gz`);
  try {
    const packed = await packDirectory(dir, out, pack);
    return await storeLayer(paths, packed, parent.layers[parent.layers.length - 1]?.chainId);
  } finally {
    await fs.rm(out, { force: true });
  }
}

/** Write the step's image (and its cache entry); returns the state after the step. */
export async function commitStep(paths: StatePaths, parent: ImageState, step: StepResult, clock: StepClock): Promise<ImageState> {
  const created = clock.created();
  const layer = step.layer;
  const history: HistoryEntry = { created, created_by: step.createdBy };
  const img = withStep(parent.img, {
    ...(step.config ? { config: step.config } : {}),
    history,
    ...(layer ? { diffId: layer.diffId } : {}),
    ...(step.author !== undefined ? { author: step.author } : {}),
  });
  const layers = layer ? [...parent.layers, layer] : parent.layers;
  const written = await writeImage(paths, { config: imageConfigJson(img, created), layers, tags: [] });
  await recordCache(paths, { key: step.cacheKey, parent: parent.imageId, imageId: written.id, createdBy: step.createdBy });
  return { imageId: written.id, img, layers, snapshotDirs: layers.map((l) => snapshotDir(paths, l.chainId)) };
}

/** Tag the build's result (writeImage again: same config and layers, so the same image). */
export async function tagImage(paths: StatePaths, state: ImageState, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  const config = JSON.parse(await readBlobText(paths, state.imageId)) as object;
  await writeImage(paths, { config, layers: state.layers, tags });
}
