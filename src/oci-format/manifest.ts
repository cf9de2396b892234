import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, optNumber, optString, type JsonObject } from '../util/json.js';
import { parseAnnotations, parseDescriptor, parseDescriptors, type Descriptor } from './descriptor.js';
import { isIndexMediaType, isManifestMediaType, MEDIA_TYPES } from './media-types.js';

/**
 * Image manifests and indexes (OCI, and Docker schema 2 / manifest lists), parsed field by
 * field: from a registry and from an OCI layout on disk alike, they are untrusted.
 */
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

export interface ParseOptions {
  /**
   * Registries must send schemaVersion 2 and are held to it; files on disk were accepted
   * without it before this parser was shared, and still are (2 is assumed).
   */
  requireSchemaVersion?: boolean;
}

function schemaVersion(o: JsonObject, what: string, opts: ParseOptions): number {
  const v = optNumber(o, 'schemaVersion', what);
  if (v === undefined && opts.requireSchemaVersion === false) return 2;
  if (v !== 2) throw new MiniboxError(`invalid ${what}: unsupported schemaVersion ${String(v)}`);
  return v;
}

/** An image manifest (Docker schema 2 or OCI); `mediaType` falls back to the one served. */
export function parseImageManifest(v: unknown, servedType: string, opts: ParseOptions = {}, what = 'image manifest'): ImageManifest {
  const o = expectObject(v, what);
  return {
    schemaVersion: schemaVersion(o, what, opts),
    mediaType: optString(o, 'mediaType', what) ?? servedType,
    config: parseDescriptor(o['config'], `${what}.config`),
    layers: parseDescriptors(o, 'layers', what),
    annotations: parseAnnotations(o, what),
  };
}

/** An image index (OCI) or manifest list (Docker). */
export function parseImageIndex(v: unknown, servedType: string, opts: ParseOptions = {}, what = 'image index'): ImageIndex {
  const o = expectObject(v, what);
  return {
    schemaVersion: schemaVersion(o, what, opts),
    mediaType: optString(o, 'mediaType', what) ?? servedType,
    manifests: parseDescriptors(o, 'manifests', what),
    annotations: parseAnnotations(o, what),
  };
}

/**
 * The media type of a manifest document: its own field wins (it is what the digest
 * covers), then the type it was served or described with, then its shape, since OCI makes
 * the field optional.
 */
export function manifestMediaType(json: unknown, declaredType: string | null | undefined): string {
  if (isObject(json) && typeof json['mediaType'] === 'string') return json['mediaType'];
  const served = (declaredType ?? '').split(';')[0]?.trim() ?? '';
  if (isIndexMediaType(served) || isManifestMediaType(served) || served === MEDIA_TYPES.dockerSchema1) return served;
  if (isObject(json) && Array.isArray(json['manifests'])) return MEDIA_TYPES.ociIndex;
  return MEDIA_TYPES.ociManifest;
}
