import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, optNumber, optObject, optString, reqString, type JsonObject } from '../util/json.js';

/**
 * The JSON documents a registry sends (image manifest, image index / manifest list, error
 * body), each with a parse function: everything here comes off the network and is
 * untrusted, so shapes are checked field by field instead of cast.
 */
export const MEDIA_TYPES = {
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** What getManifest asks for, in order of preference (Docker sends the same four). */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
];

export function isIndexMediaType(mt: string): boolean {
  return mt === MEDIA_TYPES.dockerList || mt === MEDIA_TYPES.ociIndex;
}

export function isManifestMediaType(mt: string): boolean {
  return mt === MEDIA_TYPES.dockerManifest || mt === MEDIA_TYPES.ociManifest;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType: string;
  manifests: Descriptor[];
  annotations: Record<string, string>;
}

export interface RegistryErrorEntry {
  code: string;
  message: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function parseAnnotations(o: JsonObject, what: string): Record<string, string> {
  const a = optObject(o, 'annotations', what);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a ?? {})) {
    if (typeof v !== 'string') throw new MiniboxError(`invalid ${what}: annotation "${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

export function parsePlatform(o: JsonObject | undefined, what: string): Platform | undefined {
  if (!o) return undefined;
  const variant = optString(o, 'variant', what);
  return {
    os: reqString(o, 'os', what),
    architecture: reqString(o, 'architecture', what),
    ...(variant ? { variant } : {}),
  };
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  const o = expectObject(v, what);
  const digest = reqString(o, 'digest', what);
  if (!DIGEST.test(digest)) throw new MiniboxError(`invalid ${what}: bad digest ${JSON.stringify(digest)}`);
  const size = optNumber(o, 'size', what);
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
    throw new MiniboxError(`invalid ${what}: "size" must be a non-negative integer`);
  }
  const platform = parsePlatform(optObject(o, 'platform', what), `${what}.platform`);
  const urls = o['urls'];
  const d: Descriptor = { mediaType: reqString(o, 'mediaType', what), digest, size, annotations: parseAnnotations(o, what) };
  if (platform) d.platform = platform;
  if (Array.isArray(urls) && urls.every((u) => typeof u === 'string')) d.urls = urls.filter((u): u is string => typeof u === 'string');
  return d;
}

function parseDescriptors(o: JsonObject, key: string, what: string): Descriptor[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new MiniboxError(`invalid ${what}: "${key}" must be an array`);
  return v.map((d, i) => parseDescriptor(d, `${what}.${key}[${i}]`));
}

function schemaVersion(o: JsonObject, what: string): number {
  const v = optNumber(o, 'schemaVersion', what);
  if (v !== 2) throw new MiniboxError(`invalid ${what}: unsupported schemaVersion ${String(v)}`);
  return v;
}

/** An image manifest (Docker schema 2 or OCI); `mediaType` falls back to the one served. */
export function parseImageManifest(v: unknown, servedType: string): ImageManifest {
  const what = 'image manifest';
  const o = expectObject(v, what);
  return {
    schemaVersion: schemaVersion(o, what),
    mediaType: optString(o, 'mediaType', what) ?? servedType,
    config: parseDescriptor(o['config'], `${what}.config`),
    layers: parseDescriptors(o, 'layers', what),
    annotations: parseAnnotations(o, what),
  };
}

/** An image index (OCI) or manifest list (Docker). */
export function parseImageIndex(v: unknown, servedType: string): ImageIndex {
  const what = 'image index';
  const o = expectObject(v, what);
  return {
    schemaVersion: schemaVersion(o, what),
    mediaType: optString(o, 'mediaType', what) ?? servedType,
    manifests: parseDescriptors(o, 'manifests', what),
    annotations: parseAnnotations(o, what),
  };
}

/**
 * The media type of a fetched manifest: the document's own field wins (it is what the
 * digest covers), then the Content-Type, then the shape, since OCI makes the field optional.
 */
export function manifestMediaType(json: unknown, contentType: string | null): string {
  if (isObject(json) && typeof json['mediaType'] === 'string') return json['mediaType'];
  const served = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (isIndexMediaType(served) || isManifestMediaType(served) || served === MEDIA_TYPES.dockerSchema1) return served;
  if (isObject(json) && Array.isArray(json['manifests'])) return MEDIA_TYPES.ociIndex;
  return MEDIA_TYPES.ociManifest;
}

/** `{"errors":[{code,message}]}`; anything else (HTML from a proxy, empty body) gives []. */
export function parseRegistryErrors(body: string): RegistryErrorEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  if (!isObject(json) || !Array.isArray(json['errors'])) return [];
  const out: RegistryErrorEntry[] = [];
  for (const e of json['errors']) {
    if (!isObject(e) || typeof e['code'] !== 'string') continue;
    out.push({ code: e['code'], message: typeof e['message'] === 'string' ? e['message'] : '' });
  }
  return out;
}

/** The token server's answer: `token` and/or `access_token`, `expires_in` seconds. */
export function parseTokenResponse(v: unknown): { token: string; expiresIn: number } {
  const what = 'token response';
  const o = expectObject(v, what);
  const token = optString(o, 'token', what) || optString(o, 'access_token', what);
  if (!token) throw new MiniboxError(`invalid ${what}: neither "token" nor "access_token" is set`);
  const expiresIn = optNumber(o, 'expires_in', what);
  // the spec's default; below 60 s is treated as 60 s too, as Docker does
  return { token, expiresIn: expiresIn !== undefined && expiresIn > 60 ? expiresIn : 60 };
}
