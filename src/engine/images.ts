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

/** `images [REPOSITORY[:TAG]]`: `reference` keeps the named rows that match it (imageRowMatches). */
export async function listImageRows(paths: StatePaths = statePaths(), reference?: string): Promise<ImageRow[]> {
  const all = await listImages(paths);
  const rows = reference === undefined ? all : all.filter(await imageRowMatcher(reference));
  // build's intermediate images (untagged parents of cached steps, build/cache.ts) are hidden, as Docker hides them without -a
  const hidden = await (await import('../build/cache.js')).intermediateImageIds(paths);
  return hidden.size === 0 ? rows : rows.filter((r) => r.repository !== '<none>' || !hidden.has(r.imageId));
}

/**
 * Docker's reference filter (distribution's FamiliarMatch): Go's path.Match of the pattern
 * against `name:tag`, or else against the name alone, so `busybox` matches every busybox
 * tag, `busybox:1` one of them and `my*` (no `/` crossed) several repositories. Untagged
 * images have no name to match and are left out.
 */
export async function imageRowMatcher(pattern: string): Promise<(row: ImageRow) => boolean> {
  const { componentMatcher } = await import('../build/source-tree.js'); // Go's path.Match, one copy
  const re = componentMatcher(pattern);
  return (row) => row.repository !== '<none>' && (re.test(`${row.repository}:${row.tag}`) || re.test(row.repository));
}

/** One image of `rmi`: Docker's output lines, or a MiniboxError (exit 1) for conflicts and unknown names. */
export async function removeImageByName(input: string, force: boolean, paths: StatePaths = statePaths()): Promise<string[]> {
  // build's parent links: a built image's untagged intermediates go with it, as with Docker's classic builder
  const entries = await (await import('../build/cache.js')).listCache(paths);
  const links = entries.filter((e) => e.parent !== '').map((e) => ({ child: e.imageId, parent: e.parent }));
  return removeImage(paths, input, force, (imageId) => containersUsing(paths, imageId), links);
}

/** The containers (any state) whose rootfs is built on the image: rmi refuses to delete it for them. */
async function containersUsing(paths: StatePaths, imageId: string): Promise<ImageUser[]> {
  return (await listContainerStates(paths.containers)).filter((c) => c.imageId === imageId);
}
