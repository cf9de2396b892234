import { fsNow as fs } from '../util/fs-now.js';
import { ensureStoreDir, type StatePaths } from '../util/paths.js';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { parseImageConfig, type ImageConfig } from './config.js';
import { readBlobText } from './blobs.js';
import { listImageRecords, readImageRecord, readRef } from './index-store.js';
import { familiarName, normalizeReference } from '../oci-format/reference.js';
import { snapshotDir } from './snapshots.js';

/**
 * Turning what the user typed (a reference or an image ID) into a stored image, the way
 * Docker looks images up: a full ID first, then the name, then an ID prefix.
 */
export interface FoundImage {
  imageId: string;
  ref?: string; // the normalised ref it was found by, when found by name
}

const FULL_ID = /^(?:sha256:)?([0-9a-f]{64})$/;
const ID_PREFIX = /^(?:sha256:)?([0-9a-f]{1,63})$/;

async function byIdPrefix(paths: StatePaths, prefix: string): Promise<string | undefined> {
  const ids = (await listImageRecords(paths)).map((r) => r.id).filter((id) => id.slice('sha256:'.length).startsWith(prefix));
  if (ids.length > 1) throw new MiniboxError(`multiple IDs found with provided prefix: ${prefix}`, 1);
  return ids[0];
}

export async function findImage(paths: StatePaths, input: string): Promise<FoundImage | undefined> {
  const full = FULL_ID.exec(input);
  if (full?.[1]) {
    const id = `sha256:${full[1]}`;
    return (await readImageRecord(paths, id)) ? { imageId: id } : undefined;
  }
  let ref: string | undefined;
  try {
    ref = normalizeReference(input);
  } catch (err) {
    if (!ID_PREFIX.test(input)) throw err; // "sha256:abc" is no name but may be an ID prefix
  }
  if (ref !== undefined) {
    const imageId = await readRef(paths, ref);
    if (imageId) return { imageId, ref };
  }
  const prefix = ID_PREFIX.exec(input)?.[1];
  if (prefix) {
    const id = await byIdPrefix(paths, prefix);
    if (id) return { imageId: id };
  }
  return undefined;
}

/** How Docker names an image the user asked for in messages: `busybox` → `busybox:latest`. */
export function displayName(input: string): string {
  if (ID_PREFIX.test(input) || FULL_ID.test(input)) return input;
  try {
    return familiarName(normalizeReference(input));
  } catch {
    return input;
  }
}

async function requireDir(dir: string, what: string): Promise<void> {
  try {
    if ((await fs.stat(dir)).isDirectory()) return;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  throw new MiniboxError(`${what} is damaged: its layer snapshot ${dir} is missing; remove it with minibox rmi and load it again`);
}

/**
 * What `run` needs: the image's config and its layer snapshots, bottom → top (overlayfs
 * wants lowerdir= top first, so the caller reverses). `ref` is the normalised name, or the
 * input itself when the image was named by ID.
 */
export async function resolveImageForRun(
  paths: StatePaths,
  ref: string,
): Promise<{ ref: string; imageId: string; config: ImageConfig; snapshotDirs: string[] }> {
  const found = await findImage(paths, ref);
  const record = found ? await readImageRecord(paths, found.imageId) : undefined;
  if (!found || !record) {
    throw new MiniboxError(
      `No such image: ${displayName(ref)} (pull it with 'minibox pull' or load it with 'minibox load -i <archive>')`,
      125,
    );
  }
  const config = parseImageConfig(JSON.parse(await readBlobText(paths, record.id)) as unknown);
  const snapshotDirs = record.layers.map((l) => snapshotDir(paths, l.chainId));
  ensureStoreDir(paths, paths.snapshots); // a store an older minibox left 0755 is closed by its next run
  for (const dir of snapshotDirs) await requireDir(dir, `image ${displayName(ref)}`);
  return { ref: found.ref ?? ref, imageId: record.id, config, snapshotDirs };
}
