import { MiniboxError } from '../util/errors.js';
import { expectObject, optNumber, optObject, optString, optStringArray, reqString, type JsonObject } from '../util/json.js';
import { isDigest } from './digest.js';
import { parsePlatform, type Descriptor, type Platform } from '../registry/types.js';

/**
 * The OCI image-spec JSON documents minibox reads (descriptor, index, manifest) and
 * `docker save`'s manifest.json, each with its own parse function: all of them come from
 * files the user handed us and are untrusted.
 */
export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

// One shape for descriptors whether they come from a registry or from a file on disk.
export type { Descriptor, Platform };

export interface OciIndex {
  manifests: Descriptor[];
}

export interface OciManifest {
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface DockerSaveEntry {
  config: string; // path inside the archive
  repoTags: string[];
  layers: string[]; // paths inside the archive, bottom → top
}


export function parseDescriptor(json: unknown, what = 'descriptor'): Descriptor {
  const o = expectObject(json, what);
  const digest = reqString(o, 'digest', what);
  if (!isDigest(digest)) throw new MiniboxError(`invalid ${what}: unsupported digest ${JSON.stringify(digest)} (only sha256)`);
  const size = optNumber(o, 'size', what);
  if (size === undefined || size < 0 || !Number.isInteger(size)) throw new MiniboxError(`invalid ${what}: bad "size"`);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(optObject(o, 'annotations', what) ?? {})) {
    if (typeof v === 'string') annotations[k] = v;
  }
  const platform = parsePlatform(optObject(o, 'platform', what), `${what} platform`);
  return { mediaType: reqString(o, 'mediaType', what), digest, size, annotations, ...(platform ? { platform } : {}) };
}

function descriptorArray(o: JsonObject, key: string, what: string): Descriptor[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new MiniboxError(`invalid ${what}: "${key}" must be an array`);
  return v.map((d, i) => parseDescriptor(d, `${what} ${key}[${i}]`));
}

/** Whether a document is an index (manifest list) rather than an image manifest. */
export function isIndexDocument(json: unknown, mediaType?: string): boolean {
  if (mediaType === MT.ociIndex || mediaType === MT.dockerList) return true;
  if (mediaType === MT.ociManifest || mediaType === MT.dockerManifest) return false;
  const o = expectObject(json, 'manifest');
  return Array.isArray(o.manifests);
}

export function parseIndex(json: unknown, what = 'image index'): OciIndex {
  const o = expectObject(json, what);
  return { manifests: descriptorArray(o, 'manifests', what) };
}

export function parseManifest(json: unknown, what = 'image manifest'): OciManifest {
  const o = expectObject(json, what);
  return {
    mediaType: optString(o, 'mediaType', what) ?? MT.ociManifest,
    config: parseDescriptor(o.config, `${what} config`),
    layers: descriptorArray(o, 'layers', what),
  };
}

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

/** Docker's name for the host platform (Node says x64 where OCI says amd64). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { architecture: arch[process.arch] ?? process.arch, os: 'linux' };
}
