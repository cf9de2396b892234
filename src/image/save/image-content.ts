import { createReadStream, promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import type { StatePaths } from '../../util/paths.js';
import { MiniboxError, describe } from '../../util/errors.js';
import { blobPath, hasBlob } from '../blobs.js';
import { readImageRecord, type ImageRecord } from '../index-store.js';
import { parseImageManifest } from '../../oci-format/manifest.js';
import { MEDIA_TYPES } from '../../oci-format/media-types.js';
import { sha256Of } from '../../oci-format/digest.js';

/**
 * What leaves the store when an image is pushed or saved: its config, its layer blobs as
 * stored, and the manifest that ties them together. An image that came from a registry or
 * an archive keeps the manifest bytes it arrived with, so its digest stays the same
 * wherever it goes; when the stored manifest does not describe exactly the record's config
 * and layers (an image made here before manifests were kept, or a damaged one) a fresh
 * OCI manifest is written from the record.
 */
export interface ContentLayer {
  digest: string;
  size: number;
  mediaType: string;
  diffId: string;
}

export interface ImageContent {
  record: ImageRecord;
  configBytes: Buffer;
  manifest: { bytes: Buffer; digest: string; mediaType: string; stored: boolean };
  layers: ContentLayer[]; // bottom → top
}

function layerMediaTypeForOci(mediaType: string): string {
  return mediaType === MEDIA_TYPES.dockerLayerGzip ? MEDIA_TYPES.ociLayerGzip : mediaType;
}

/** The OCI manifest for a record: deterministic, so two pushes of one image agree on its digest. */
export function freshManifest(record: ImageRecord, configSize: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: record.id, size: configSize },
      layers: record.layers.map((l) => ({ mediaType: layerMediaTypeForOci(l.mediaType), digest: l.digest, size: l.size })),
    }),
  );
}

/** A small blob's exact bytes (a manifest's digest is over bytes, not over decoded text). */
async function readBlobBytes(paths: StatePaths, digest: string, maxBytes: number): Promise<Buffer> {
  const file = blobPath(paths, digest);
  const st = await fs.stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new MiniboxError(`blob ${digest} is missing from the image store`);
  if (st.size > maxBytes) throw new MiniboxError(`blob ${digest} is too large (${st.size} bytes) to be JSON metadata`);
  return fs.readFile(file);
}

async function storedManifest(paths: StatePaths, record: ImageRecord): Promise<ImageContent['manifest'] | undefined> {
  if (!(await hasBlob(paths, record.manifestDigest))) return undefined;
  const bytes = await readBlobBytes(paths, record.manifestDigest, 4 << 20);
  if (sha256Of(bytes) !== record.manifestDigest) return undefined;
  let parsed;
  try {
    parsed = parseImageManifest(JSON.parse(bytes.toString('utf8')) as unknown, record.manifestMediaType, { requireSchemaVersion: false });
  } catch {
    return undefined; // not a manifest we can vouch for: write a fresh one
  }
  const same =
    parsed.config.digest === record.id &&
    parsed.layers.length === record.layers.length &&
    parsed.layers.every((l, i) => l.digest === record.layers[i]?.digest && l.size === record.layers[i]?.size);
  if (!same) return undefined;
  return { bytes, digest: record.manifestDigest, mediaType: parsed.mediaType, stored: true };
}

export async function imageContent(paths: StatePaths, imageId: string, name: string): Promise<ImageContent> {
  const record = await readImageRecord(paths, imageId);
  if (!record) throw new MiniboxError(`No such image: ${name}`, 1);
  let configBytes: Buffer;
  try {
    configBytes = await readBlobBytes(paths, record.id, 8 << 20);
  } catch (err) {
    throw new MiniboxError(`image ${name} is damaged: ${describe(err)}`, 1);
  }
  for (const l of record.layers) {
    if (!(await hasBlob(paths, l.digest))) {
      throw new MiniboxError(`image ${name} is damaged: layer blob ${l.digest} is missing from the image store; pull or load it again`, 1);
    }
  }
  let manifest = await storedManifest(paths, record);
  if (!manifest) {
    const bytes = freshManifest(record, configBytes.length);
    manifest = { bytes, digest: sha256Of(bytes), mediaType: MEDIA_TYPES.ociManifest, stored: false };
  }
  const layers = record.layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: l.diffId }));
  return { record, configBytes, manifest, layers };
}

/** Bytes [start, end) of a stored blob, streamed from its file. */
export function openBlob(paths: StatePaths, digest: string, start = 0, end?: number): Readable {
  if (end !== undefined && end <= start) return createReadStream('/dev/null');
  return createReadStream(blobPath(paths, digest), { start, ...(end !== undefined ? { end: end - 1 } : {}), highWaterMark: 1 << 20 });
}
