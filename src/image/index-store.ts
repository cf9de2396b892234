import { fsNow as fs } from '../util/fs-now.js';
import path from 'node:path';
import type { StatePaths } from '../util/paths.js';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { withLock } from '../linux/file-lock.js';
import { expectObject, optNumber, optString, reqString, type JsonObject } from '../util/json.js';
import { digestHex, isDigest, sha256Of } from '../oci-format/digest.js';

/**
 * The image index under images/:
 *   images/<sha256 of the normalised ref>.json  {ref, imageId}     one file per tag, so `run`
 *                                                                  resolves a name with one read
 *   images/by-id/<config hex>.json             ImageRecord         what the image is made of
 * Every file is written atomically; writers hold the store lock (withImageStoreLock).
 * An image whose refs are all gone but which a container still uses keeps its record and
 * shows as <none> in `minibox images`, as in Docker.
 */
export interface LayerRecord {
  digest: string; // the blob as stored (possibly compressed)
  diffId: string; // sha256 of the uncompressed tar
  chainId: string; // names its snapshot
  mediaType: string;
  size: number; // blob bytes
  unpackedSize: number; // bytes of file content in the snapshot
}

export interface ImageRecord {
  id: string; // sha256:<hex of the config blob>
  manifestDigest: string;
  manifestMediaType: string;
  layers: LayerRecord[];
  created?: string; // from the image config
  size: number; // sum of unpackedSize
  architecture: string;
  os: string;
  loadedAt: string;
}

export interface RefEntry {
  ref: string; // normalised: docker.io/library/busybox:latest
  imageId: string;
}

export function withImageStoreLock<T>(paths: StatePaths, fn: () => Promise<T>): Promise<T> {
  return withLock(paths.locks, 'images', fn);
}

function byIdDir(paths: StatePaths): string {
  return path.join(paths.images, 'by-id');
}

function refFile(paths: StatePaths, ref: string): string {
  return path.join(paths.images, `${digestHex(sha256Of(ref))}.json`);
}

function reqDigest(o: JsonObject, key: string, what: string): string {
  const v = reqString(o, key, what);
  if (!isDigest(v)) throw new MiniboxError(`invalid ${what}: "${key}" is not a sha256 digest`);
  return v;
}

function reqNumber(o: JsonObject, key: string, what: string): number {
  const v = optNumber(o, key, what);
  if (v === undefined) throw new MiniboxError(`invalid ${what}: missing "${key}"`);
  return v;
}

function parseLayerRecord(json: unknown): LayerRecord {
  const what = 'image record layer';
  const o = expectObject(json, what);
  return {
    digest: reqDigest(o, 'digest', what),
    diffId: reqDigest(o, 'diffId', what),
    chainId: reqDigest(o, 'chainId', what),
    mediaType: reqString(o, 'mediaType', what),
    size: reqNumber(o, 'size', what),
    unpackedSize: reqNumber(o, 'unpackedSize', what),
  };
}

export function parseImageRecord(json: unknown): ImageRecord {
  const what = 'image record';
  const o = expectObject(json, what);
  if (!Array.isArray(o.layers)) throw new MiniboxError(`invalid ${what}: "layers" must be an array`);
  const created = optString(o, 'created', what);
  return {
    id: reqDigest(o, 'id', what),
    manifestDigest: reqDigest(o, 'manifestDigest', what),
    manifestMediaType: reqString(o, 'manifestMediaType', what),
    layers: o.layers.map(parseLayerRecord),
    ...(created ? { created } : {}),
    size: reqNumber(o, 'size', what),
    architecture: reqString(o, 'architecture', what),
    os: reqString(o, 'os', what),
    loadedAt: reqString(o, 'loadedAt', what),
  };
}

function parseRefEntry(json: unknown): RefEntry {
  const what = 'image reference entry';
  const o = expectObject(json, what);
  return { ref: reqString(o, 'ref', what), imageId: reqDigest(o, 'imageId', what) };
}

async function readOptional<T>(file: string, parse: (json: unknown) => T): Promise<T | undefined> {
  try {
    return parse(await readJsonFile(file));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** The image id a normalised ref points at, or undefined. */
export async function readRef(paths: StatePaths, ref: string): Promise<string | undefined> {
  const entry = await readOptional(refFile(paths, ref), parseRefEntry);
  // Guard against a (practically impossible) hash collision of two refs.
  return entry && entry.ref === ref ? entry.imageId : undefined;
}

export async function listRefs(paths: StatePaths): Promise<RefEntry[]> {
  const out: RefEntry[] = [];
  for (const name of await fs.readdirOrEmpty(paths.images)) {
    if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
    const entry = await readOptional(path.join(paths.images, name), parseRefEntry);
    if (entry) out.push(entry);
  }
  return out;
}

/** Point `ref` at `imageId`; returns the image it pointed at before, if different. Hold the lock. */
export async function setRef(paths: StatePaths, ref: string, imageId: string): Promise<string | undefined> {
  await fs.mkdir(paths.images, { recursive: true });
  const previous = await readRef(paths, ref);
  if (previous !== imageId) await writeJsonAtomic(refFile(paths, ref), { ref, imageId });
  return previous !== undefined && previous !== imageId ? previous : undefined;
}

export async function removeRef(paths: StatePaths, ref: string): Promise<void> {
  await fs.rm(refFile(paths, ref), { force: true });
}

export async function readImageRecord(paths: StatePaths, imageId: string): Promise<ImageRecord | undefined> {
  return readOptional(path.join(byIdDir(paths), `${digestHex(imageId)}.json`), parseImageRecord);
}

export async function writeImageRecord(paths: StatePaths, record: ImageRecord): Promise<void> {
  await fs.mkdir(byIdDir(paths), { recursive: true });
  await writeJsonAtomic(path.join(byIdDir(paths), `${digestHex(record.id)}.json`), record);
}

export async function removeImageRecord(paths: StatePaths, imageId: string): Promise<void> {
  await fs.rm(path.join(byIdDir(paths), `${digestHex(imageId)}.json`), { force: true });
}

export async function listImageRecords(paths: StatePaths): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  for (const name of await fs.readdirOrEmpty(byIdDir(paths))) {
    if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
    const rec = await readOptional(path.join(byIdDir(paths), name), parseImageRecord);
    if (rec) out.push(rec);
  }
  return out;
}
