import { statePaths, type StatePaths } from '../util/paths.js';
import { loadImages, type LoadResult } from '../image/load/index.js';
import { nativeLayerFs } from '../linux/native-layer-fs.js';
import { listImages, type ImageRow } from '../image/list.js';
import { removeImage, type ImageUser } from '../image/remove.js';
import { listContainerStates } from '../container/state.js';
import { MiniboxError } from '../util/errors.js';
import { isObject } from '../util/json.js';
import type { ImageFilterContext, ImageFilters } from './image-filters.js';

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
export async function listImageRows(paths: StatePaths = statePaths(), reference?: string, opts: ImageListOptions = {}): Promise<ImageListRow[]> {
  const { parseImageFilters, filterImageRows } = await import('./image-filters.js');
  const filters = parseImageFilters(opts.filters ?? []); // a bad filter is refused before any work
  const all = await listImages(paths);
  let rows = reference === undefined ? all : all.filter(await imageRowMatcher(reference));
  // build's intermediate images (untagged parents of cached steps, build/cache.ts) are hidden, as Docker hides them without -a
  const hidden = opts.all ? new Set<string>() : await (await import('../build/cache.js')).intermediateImageIds(paths);
  if (hidden.size > 0) rows = rows.filter((r) => r.repository !== '<none>' || !hidden.has(r.imageId));
  if (filters.size > 0) rows = filterImageRows(rows, filters, await imageFilterContext(paths, rows, filters));
  return opts.digests ? withDigests(paths, rows) : rows.map((r) => ({ ...r, digest: '' }));
}

/** `images -a`, `--filter`, `--digests` (image-filters.ts has the filters' meaning). */
export interface ImageListOptions {
  all?: boolean;
  filters?: string[];
  digests?: boolean;
}

/** A row of `images` with its DIGEST: the stored manifest's (`<none>` for an untagged image; '' when not asked for). */
export type ImageListRow = ImageRow & { digest: string };

async function withDigests(paths: StatePaths, rows: ImageRow[]): Promise<ImageListRow[]> {
  const { readImageRecord } = await import('../image/index-store.js');
  return Promise.all(rows.map(async (r) => ({ ...r, digest: r.repository === '<none>' ? '<none>' : ((await readImageRecord(paths, r.imageId))?.manifestDigest ?? '<none>') })));
}

/** The lookups the filters need, done once: matchers, the named images' times, the rows' labels. */
async function imageFilterContext(paths: StatePaths, rows: ImageRow[], filters: ImageFilters): Promise<ImageFilterContext> {
  const matchers = new Map<string, (row: ImageRow) => boolean>();
  for (const p of filters.get('reference') ?? []) matchers.set(p, await imageRowMatcher(p));
  const times = new Map<string, number>();
  const { findSource } = await import('./tag.js');
  const { readImageRecord } = await import('../image/index-store.js');
  for (const name of [...(filters.get('before') ?? []), ...(filters.get('since') ?? [])]) {
    const id = await findSource(paths, name);
    const rec = id ? await readImageRecord(paths, id) : undefined;
    if (!rec) throw new MiniboxError(`No such image: ${name}`, 1);
    times.set(name, rec.created ? Date.parse(rec.created) || 0 : 0);
  }
  const labels = new Map<string, Record<string, string>>();
  if (filters.has('label')) {
    const { readBlobText } = await import('../image/blobs.js');
    for (const id of new Set(rows.map((r) => r.imageId))) labels.set(id, labelsOfConfig(await readBlobText(paths, id, 8 << 20).catch(() => '{}')));
  }
  return {
    matchesReference: (p, row) => matchers.get(p)?.(row) ?? false,
    createdOf: (name) => times.get(name) ?? 0,
    labelsOf: (row) => labels.get(row.imageId) ?? {},
  };
}

function labelsOfConfig(text: string): Record<string, string> {
  const raw: unknown = JSON.parse(text);
  const config = isObject(raw) ? raw['config'] : undefined;
  const labels = isObject(config) ? config['Labels'] : undefined;
  if (!isObject(labels)) return {};
  return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
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
