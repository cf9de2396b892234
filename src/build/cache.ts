import fs from 'node:fs';
import path from 'node:path';
import type { StatePaths } from '../util/paths.js';
import { errnoCode } from '../util/errors.js';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { expectObject, reqString } from '../util/json.js';
import { digestHex, isDigest, sha256Of } from '../oci-format/digest.js';
import { readImageRecord } from '../image/index-store.js';

/**
 * The build cache, keyed as Docker's classic builder: a step is the same step when its parent
 * image and its instruction are the same — the history line (for RUN the shell, the command
 * and the `|N K=V` build args in scope; for COPY/ADD the content checksum of the sources)
 * plus the runtime config it leaves (ENV, WORKDIR, USER… all shape what a RUN sees) and the
 * flags that change the result without showing in the line (--chown, --chmod).
 *
 * On disk: $MINIBOX_ROOT/build-cache/<hex of the key>.json = {key, parent, imageId, createdBy},
 * one file per step, written atomically after the step's image exists. A step's image is an
 * ordinary untagged image in the store; what marks it as an intermediate (hidden by `images`,
 * as Docker hides them without -a) is that some cache entry names it as `parent`.
 * An entry whose image was removed (rmi, prune) is a miss and is overwritten.
 */
export interface CacheEntry {
  key: string;
  parent: string; // the image the step ran on ('' for FROM scratch)
  imageId: string; // the step's result
  createdBy: string;
}

export function cacheDir(paths: StatePaths): string {
  return path.join(paths.root, 'build-cache');
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, canonical(x)]),
    );
  }
  return v;
}

export function cacheKey(parts: { parent: string; createdBy: string; config: object; [more: string]: unknown }): string {
  return sha256Of(JSON.stringify(canonical(parts)));
}

function parseEntry(json: unknown): CacheEntry {
  const o = expectObject(json, 'build cache entry');
  const e = { key: reqString(o, 'key', 'build cache entry'), parent: reqString(o, 'parent', 'build cache entry'), imageId: reqString(o, 'imageId', 'build cache entry'), createdBy: reqString(o, 'createdBy', 'build cache entry') };
  if (!isDigest(e.imageId) || !isDigest(e.key)) throw new Error('bad digest');
  return e;
}

/** The cached image for `key`, if its image is still in the store. */
export async function lookupCache(paths: StatePaths, key: string): Promise<string | undefined> {
  let entry: CacheEntry;
  try {
    entry = parseEntry(await readJsonFile(path.join(cacheDir(paths), `${digestHex(key)}.json`)));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    return undefined; // a damaged entry is a miss; the step rewrites it
  }
  if (entry.key !== key) return undefined;
  return (await readImageRecord(paths, entry.imageId)) ? entry.imageId : undefined;
}

export async function recordCache(paths: StatePaths, entry: CacheEntry): Promise<void> {
  fs.mkdirSync(cacheDir(paths), { recursive: true, mode: 0o700 });
  await writeJsonAtomic(path.join(cacheDir(paths), `${digestHex(entry.key)}.json`), entry);
}

/** Every entry (for `images` to hide intermediates, and for prune). */
export async function listCache(paths: StatePaths): Promise<CacheEntry[]> {
  const out: CacheEntry[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(cacheDir(paths));
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  for (const name of names) {
    if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
    try {
      out.push(parseEntry(await readJsonFile(path.join(cacheDir(paths), name))));
    } catch {
      // half-written or damaged: skipped, as a lookup would
    }
  }
  return out;
}

/** Image ids that are a parent of a cached step: Docker's intermediate images. */
export async function intermediateImageIds(paths: StatePaths): Promise<Set<string>> {
  return new Set((await listCache(paths)).map((e) => e.parent).filter((p) => p !== ''));
}

/**
 * An image and the images it was built on, newest first, as Docker's daemon walks Parent: each
 * built step's image names its parent in the build cache; the walk ends at an image no step
 * made (a pulled base) or one no longer in the store. [0] is the image itself.
 */
export async function parentChain(paths: StatePaths, imageId: string): Promise<string[]> {
  const parents = new Map<string, string>();
  for (const e of await listCache(paths)) if (e.parent !== '') parents.set(e.imageId, e.parent);
  const chain: string[] = [];
  for (let id: string | undefined = imageId; id !== undefined && (await readImageRecord(paths, id)); id = parents.get(id)) chain.push(id);
  return chain;
}
