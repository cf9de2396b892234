import path from 'node:path';
import { MiniboxError } from '../../util/errors.js';
import { expectObject, optString } from '../../util/json.js';
import { compressionOf } from '../../layer/unpack.js';
import { parseImageConfig } from '../config.js';
import { digestHex, sha256Of } from '../../oci-format/digest.js';
import { isBareTag, normalizeReference } from '../../oci-format/reference.js';
import { hostPlatform, type Descriptor } from '../../oci-format/descriptor.js';
import { manifestMediaType, parseImageIndex, parseImageManifest, type ImageIndex, type ImageManifest } from '../../oci-format/manifest.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, isIndexMediaType, MEDIA_TYPES } from '../../oci-format/media-types.js';
import { chainIds } from '../snapshots.js';
import { memberExists, parseJsonBytes, readSmallFile } from './member.js';
import type { ImageLayer, Staging, StagedImage } from './staging.js';

/**
 * OCI image layout (image-spec image-layout.md): oci-layout, index.json, blobs/sha256/<hex>.
 * Each entry of index.json is one image (an index entry is narrowed to the host platform);
 * every blob is checked against the digest that names it.
 */
const MAX_NESTING = 4;

export async function isOciLayout(root: string): Promise<boolean> {
  return (await memberExists(path.join(root, 'oci-layout'))) && (await memberExists(path.join(root, 'index.json')));
}

function blobFile(root: string, digest: string): string {
  return path.join(root, 'blobs', 'sha256', digestHex(digest));
}

/** Read a metadata blob fully and verify its digest and size before anyone parses it. */
async function readVerified(root: string, desc: Descriptor, what: string): Promise<{ bytes: Buffer; json: unknown }> {
  const bytes = await readSmallFile(blobFile(root, desc.digest), `${what} blob ${desc.digest}`);
  const actual = sha256Of(bytes);
  if (actual !== desc.digest) throw new MiniboxError(`digest mismatch for ${what} blob ${desc.digest}: got ${actual}`);
  if (bytes.length !== desc.size) {
    throw new MiniboxError(`size mismatch for ${what} blob ${desc.digest}: expected ${desc.size} bytes, got ${bytes.length}`);
  }
  return { bytes, json: parseJsonBytes(bytes, what) };
}

/**
 * Image names from index.json annotations. io.containerd.image.name is a full reference.
 * org.opencontainers.image.ref.name is used only when it is a full reference itself
 * (contains '/', ':' or '@', e.g. "busybox:latest"); a bare tag such as "latest" names no
 * repository, so such an image loads untagged (`Loaded image ID: …`), as Docker does.
 */
export function namesFromAnnotations(annotations: Record<string, string>): string[] {
  const full = annotations[ANNOTATION_IMAGE_NAME];
  const refName = annotations[ANNOTATION_REF_NAME];
  const pick = full ?? (refName !== undefined && !isBareTag(refName) ? refName : undefined);
  if (pick === undefined) return [];
  try {
    return [normalizeReference(pick)];
  } catch (err) {
    const key = full !== undefined ? ANNOTATION_IMAGE_NAME : ANNOTATION_REF_NAME;
    throw new MiniboxError(`invalid image name ${JSON.stringify(pick)} in ${key} annotation: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// Layouts on disk were always read without requiring schemaVersion; kept so.
const LENIENT = { requireSchemaVersion: false };

function parseIndexFile(json: unknown, what = 'image index'): ImageIndex {
  return parseImageIndex(json, MEDIA_TYPES.ociIndex, LENIENT, what);
}

function pickPlatform(manifests: Descriptor[], digest: string): Descriptor {
  const want = hostPlatform();
  const images = manifests.filter((m) => m.platform?.os !== 'unknown'); // skips attestation manifests
  const match = images.find((m) => m.platform?.os === want.os && m.platform.architecture === want.architecture);
  const only = images.length === 1 && !images[0]?.platform ? images[0] : undefined;
  const chosen = match ?? only;
  if (!chosen) {
    throw new MiniboxError(`no matching manifest for ${want.os}/${want.architecture} in the manifest list entries (index ${digest})`);
  }
  return chosen;
}

/** Follow index → (index →) manifest down to the image manifest for this host. */
async function resolveManifest(root: string, desc: Descriptor, depth = 0): Promise<{ desc: Descriptor; bytes: Buffer; manifest: ImageManifest }> {
  if (depth > MAX_NESTING) throw new MiniboxError(`image index nested too deeply at ${desc.digest}`);
  const { bytes, json } = await readVerified(root, desc, 'manifest');
  if (isIndexMediaType(manifestMediaType(json, desc.mediaType))) {
    return resolveManifest(root, pickPlatform(parseIndexFile(json).manifests, desc.digest), depth + 1);
  }
  return { desc, bytes, manifest: parseImageManifest(json, MEDIA_TYPES.ociManifest, LENIENT) };
}

async function stageImage(root: string, top: Descriptor, staging: Staging): Promise<StagedImage> {
  const { desc, bytes, manifest } = await resolveManifest(root, top);
  const cfg = await readVerified(root, manifest.config, 'config');
  const parsedConfig = parseImageConfig(cfg.json);
  const diffIds = parsedConfig.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new MiniboxError(`image ${manifest.config.digest}: manifest has ${manifest.layers.length} layers but config lists ${diffIds.length} diff_ids`);
  }
  const chains = chainIds(diffIds);
  const layers: ImageLayer[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const compression = compressionOf(l.mediaType);
    const blob = await staging.blobFromFile(blobFile(root, l.digest), { digest: l.digest, size: l.size, what: 'layer blob' });
    layers.push({ blob, mediaType: l.mediaType, compression, diffId: diffIds[i] ?? '', chainId: chains[i] ?? '' });
  }
  return {
    names: namesFromAnnotations(top.annotations),
    manifest: await staging.blobFromBytes(bytes, { digest: desc.digest }),
    manifestMediaType: manifest.mediaType || desc.mediaType,
    config: await staging.blobFromBytes(cfg.bytes, { digest: manifest.config.digest }),
    parsedConfig,
    layers,
  };
}

export async function stageOciLayout(root: string, staging: Staging): Promise<StagedImage[]> {
  const layoutJson = expectObject(parseJsonBytes(await readSmallFile(path.join(root, 'oci-layout'), 'oci-layout'), 'oci-layout'), 'oci-layout');
  const version = optString(layoutJson, 'imageLayoutVersion', 'oci-layout');
  if (version !== undefined && !version.startsWith('1.')) throw new MiniboxError(`unsupported OCI image layout version ${version}`);
  const index = parseIndexFile(parseJsonBytes(await readSmallFile(path.join(root, 'index.json'), 'index.json'), 'index.json'), 'index.json');
  if (index.manifests.length === 0) throw new MiniboxError('index.json lists no images');
  const out: StagedImage[] = [];
  for (const top of index.manifests) out.push(await stageImage(root, top, staging));
  return out;
}
