import path from 'node:path';
import { MiniboxError } from '../../util/errors.js';
import { expectObject, optStringArray, reqString } from '../../util/json.js';
import { sniffCompression, type LayerCompression } from '../../layer/unpack.js';
import { parseImageConfig } from '../config.js';
import { sha256Of } from '../../oci-format/digest.js';
import { normalizeReference } from '../../oci-format/reference.js';
import { chainIds } from '../snapshots.js';
import { MEDIA_TYPES } from '../../oci-format/media-types.js';
import { memberExists, memberPath, parseJsonBytes, readSmallFile } from './member.js';
import type { ImageLayer, Staging, StagedImage } from './staging.js';

/**
 * `docker save` tarballs: manifest.json lists, per image, its config file (`<hex>.json`, or
 * `blobs/sha256/<hex>` since Docker 25) and its layer files (`<id>/layer.tar`, or blobs/).
 * There is no registry manifest, so minibox writes an OCI manifest for the image itself.
 * Verification: the config must hash to the hex in its file name; a layer stored under its
 * digest must hash to it, and an uncompressed layer's sha256 is its diffID, so it must equal
 * the config's rootfs.diff_ids entry (compressed ones are checked when unpacked).
 */
export async function isDockerSave(root: string): Promise<boolean> {
  return memberExists(path.join(root, 'manifest.json'));
}

export interface DockerSaveEntry {
  config: string; // path inside the archive
  repoTags: string[];
  layers: string[]; // paths inside the archive, bottom → top
}

/** manifest.json, validated: it comes from a file the user handed us. */
export function parseDockerSaveManifest(json: unknown): DockerSaveEntry[] {
  const what = 'docker save manifest.json';
  if (!Array.isArray(json)) throw new MiniboxError(`invalid ${what}: expected an array`);
  return json.map((entry, i) => {
    const o = expectObject(entry, `${what} [${i}]`);
    const layers = optStringArray(o, 'Layers', what);
    if (!layers) throw new MiniboxError(`invalid ${what}: entry ${i} has no "Layers"`);
    return { config: reqString(o, 'Config', what), repoTags: optStringArray(o, 'RepoTags', what) ?? [], layers };
  });
}

const LAYER_MEDIA_TYPE: Record<LayerCompression, string> = { none: MEDIA_TYPES.ociLayer, gzip: MEDIA_TYPES.ociLayerGzip, zstd: MEDIA_TYPES.ociLayerZstd };

/** The digest a member's file name promises: `<hex>.json`, `blobs/sha256/<hex>`, or none (`<id>/layer.tar`). */
function digestFromName(rel: string): string | undefined {
  const m = /(?:^|\/)(?:blobs\/sha256\/)?([0-9a-f]{64})(?:\.json)?$/.exec(rel);
  return m?.[1] ? `sha256:${m[1]}` : undefined;
}

/** A layer file already staged by an earlier image of the same archive (images share layers). */
interface StagedMember {
  blob: ImageLayer['blob'];
  compression: LayerCompression;
}

async function stageMember(root: string, input: string, rel: string, diffId: string, staging: Staging): Promise<StagedMember> {
  const file = memberPath(root, rel, input);
  if (!(await memberExists(file))) throw new MiniboxError(`${input}: layer ${rel} listed in manifest.json is missing`);
  const compression = await sniffCompression(file);
  const expected = digestFromName(rel) ?? (compression === 'none' ? diffId : undefined);
  const blob = await staging.blobFromFile(file, { ...(expected ? { digest: expected } : {}), what: 'layer' });
  return { blob, compression };
}

async function stageLayers(root: string, input: string, entry: DockerSaveEntry, diffIds: string[], staging: Staging, seen: Map<string, StagedMember>): Promise<ImageLayer[]> {
  const chains = chainIds(diffIds);
  const layers: ImageLayer[] = [];
  for (const [i, rel] of entry.layers.entries()) {
    const diffId = diffIds[i] ?? '';
    const member = seen.get(rel) ?? (await stageMember(root, input, rel, diffId, staging));
    seen.set(rel, member);
    const { blob, compression } = member;
    if (compression === 'none' && blob.digest !== diffId) {
      throw new MiniboxError(`digest mismatch for layer ${diffId} (${rel}): got ${blob.digest}`);
    }
    layers.push({ blob, mediaType: LAYER_MEDIA_TYPE[compression], compression, diffId, chainId: chains[i] ?? '' });
  }
  return layers;
}

/** The OCI manifest docker save did not ship; deterministic, so reloading gives the same digest. */
function synthesizeManifest(config: { digest: string; size: number }, layers: ImageLayer[]): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.blob.digest, size: l.blob.size })),
  };
  return Buffer.from(JSON.stringify(manifest));
}

async function stageEntry(root: string, input: string, entry: DockerSaveEntry, staging: Staging, seen: Map<string, StagedMember>): Promise<StagedImage> {
  const cfgBytes = await readSmallFile(memberPath(root, entry.config, input), `config ${entry.config}`);
  const cfgDigest = sha256Of(cfgBytes);
  const promised = digestFromName(entry.config);
  if (promised && promised !== cfgDigest) throw new MiniboxError(`digest mismatch for config blob ${promised}: got ${cfgDigest}`);
  const parsedConfig = parseImageConfig(parseJsonBytes(cfgBytes, `image config ${entry.config}`));
  const diffIds = parsedConfig.rootfs.diff_ids;
  if (diffIds.length !== entry.layers.length) {
    throw new MiniboxError(`image ${cfgDigest}: manifest.json lists ${entry.layers.length} layers but the config has ${diffIds.length} diff_ids`);
  }
  const layers = await stageLayers(root, input, entry, diffIds, staging, seen);
  const config = await staging.blobFromBytes(cfgBytes, { digest: cfgDigest });
  const manifestBytes = synthesizeManifest(config, layers);
  return {
    names: entry.repoTags.map((t) => normalizeReference(t)),
    manifest: await staging.blobFromBytes(manifestBytes, { digest: sha256Of(manifestBytes) }),
    manifestMediaType: MEDIA_TYPES.ociManifest,
    config,
    parsedConfig,
    layers,
  };
}

export async function stageDockerSave(root: string, input: string, staging: Staging): Promise<StagedImage[]> {
  const entries = parseDockerSaveManifest(parseJsonBytes(await readSmallFile(path.join(root, 'manifest.json'), 'manifest.json'), 'manifest.json'));
  if (entries.length === 0) throw new MiniboxError(`${input}: manifest.json lists no images`);
  const out: StagedImage[] = [];
  // By member path: images of one archive share layer files, and an owned staging moved the
  // file away when the first image staged it, so later images take the staged copy.
  const seen = new Map<string, StagedMember>();
  for (const entry of entries) out.push(await stageEntry(root, input, entry, staging, seen));
  return out;
}
