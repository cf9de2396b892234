import { statePaths, type StatePaths } from '../util/paths.js';
import { loadImages, type LoadResult } from '../image/load/index.js';
import { nativeLayerFs } from '../linux/native-layer-fs.js';
import { listImages, type ImageRow } from '../image/list.js';
import { removeImage, type ImageUser } from '../image/remove.js';
import { listContainerStates } from '../container/state.js';

/**
 * The image side of the engine: what the CLI's load/images/rmi call, and what `run` uses to
 * find an image (resolveImageForRun). No printing here; callers get data or MiniboxErrors.
 */
export { resolveImageForRun, findImage } from '../image/resolve.js';
export type { LoadResult } from '../image/load/index.js';
export type { ImageRow } from '../image/list.js';

export async function loadImage(input: string, paths: StatePaths = statePaths()): Promise<LoadResult[]> {
  // unpacking needs mknod/setxattr for whiteouts and opaque dirs: the ffi-rs binding
  return loadImages(paths, input, nativeLayerFs);
}

export async function listImageRows(paths: StatePaths = statePaths()): Promise<ImageRow[]> {
  return listImages(paths);
}

/** One image of `rmi`: Docker's output lines, or a MiniboxError (exit 1) for conflicts and unknown names. */
export async function removeImageByName(input: string, force: boolean, paths: StatePaths = statePaths()): Promise<string[]> {
  return removeImage(paths, input, force, (imageId) => containersUsing(paths, imageId));
}

/** The containers (any state) whose rootfs is built on the image: rmi refuses to delete it for them. */
async function containersUsing(paths: StatePaths, imageId: string): Promise<ImageUser[]> {
  return (await listContainerStates(paths.containers)).filter((c) => c.imageId === imageId);
}
