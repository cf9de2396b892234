import { describe, expect, it } from 'vitest';
import { parseDescriptor } from '../../../src/oci-format/descriptor.js';
import { manifestMediaType, parseImageIndex, parseImageManifest } from '../../../src/oci-format/manifest.js';
import { MEDIA_TYPES } from '../../../src/oci-format/media-types.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const desc = { mediaType: MEDIA_TYPES.ociLayerGzip, digest, size: 42 };

// One parser for registry documents and files on disk: what both rely on.
describe('parseDescriptor', () => {
  it('keeps the fields, platform and urls', () => {
    const d = parseDescriptor({ ...desc, annotations: { a: 'b' }, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, urls: ['https://x'] });
    expect(d).toEqual({ ...desc, annotations: { a: 'b' }, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, urls: ['https://x'] });
  });

  it.each([
    [{ ...desc, digest: `sha512:${'ab'.repeat(64)}` }, /only sha256/],
    [{ ...desc, size: -1 }, /non-negative integer/],
    [{ ...desc, size: 1.5 }, /non-negative integer/],
    [{ mediaType: desc.mediaType, digest }, /non-negative integer/],
    [{ ...desc, annotations: { a: 1 } }, /annotation "a" must be a string/],
    [{ ...desc, mediaType: undefined }, /mediaType/],
  ])('rejects %j', (json, err) => {
    expect(() => parseDescriptor(json, 'layer')).toThrow(err);
  });
});

describe('manifests and indexes', () => {
  const manifest = { schemaVersion: 2, config: { ...desc, mediaType: MEDIA_TYPES.ociConfig }, layers: [desc] };

  it('requires schemaVersion 2 unless told files on disk may omit it', () => {
    const { schemaVersion: _, ...noVersion } = manifest;
    expect(() => parseImageManifest(noVersion, MEDIA_TYPES.ociManifest)).toThrow(/schemaVersion/);
    expect(parseImageManifest(noVersion, MEDIA_TYPES.ociManifest, { requireSchemaVersion: false }).layers).toHaveLength(1);
    expect(() => parseImageIndex({ schemaVersion: 1, manifests: [] }, MEDIA_TYPES.ociIndex, { requireSchemaVersion: false })).toThrow(/schemaVersion 1/);
  });

  it('tells the media type: the document first, then the declared type, then the shape', () => {
    expect(manifestMediaType({ mediaType: MEDIA_TYPES.dockerList }, MEDIA_TYPES.ociManifest)).toBe(MEDIA_TYPES.dockerList);
    expect(manifestMediaType({}, `${MEDIA_TYPES.dockerManifest}; charset=utf-8`)).toBe(MEDIA_TYPES.dockerManifest);
    expect(manifestMediaType({ manifests: [] }, null)).toBe(MEDIA_TYPES.ociIndex);
    expect(manifestMediaType({ layers: [] }, undefined)).toBe(MEDIA_TYPES.ociManifest);
  });
});
