import { describe, expect, it } from 'vitest';
import { isAttestation, normalizePlatform, platformCandidates } from '../../../src/registry/platform.js';
import { MEDIA_TYPES } from '../../../src/oci-format/media-types.js';
import { parseImageIndex } from '../../../src/oci-format/manifest.js';
import type { Descriptor, Platform } from '../../../src/oci-format/descriptor.js';

const hex = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
function entry(n: number, platform?: Platform, annotations: Record<string, string> = {}, mediaType: string = MEDIA_TYPES.ociManifest): Descriptor {
  return { mediaType, digest: hex(n), size: 100, annotations, ...(platform ? { platform } : {}) };
}
function index(...manifests: Descriptor[]) {
  return { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests, annotations: {} };
}
const digests = (ds: Descriptor[]): string[] => ds.map((d) => d.digest);
const ATT = { 'vnd.docker.reference.type': 'attestation-manifest' };

describe('platform resolution', () => {
  it('picks linux/amd64 and never an attestation', () => {
    const idx = index(
      entry(1, { os: 'linux', architecture: 'amd64' }, ATT), // claims amd64 but is an attestation
      entry(2, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      entry(3, { os: 'linux', architecture: 'amd64' }),
      entry(4, { os: 'unknown', architecture: 'unknown' }),
    );
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'amd64' }))).toEqual([hex(3)]);
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'arm64' }))).toEqual([hex(2)]);
    expect(platformCandidates(idx, { os: 'windows', architecture: 'amd64' })).toEqual([]);
  });

  it('recognises attestations by annotation or by unknown/unknown', () => {
    expect(isAttestation(entry(1, { os: 'unknown', architecture: 'unknown' }))).toBe(true);
    expect(isAttestation(entry(1, undefined, ATT))).toBe(true);
    expect(isAttestation(entry(1, { os: 'linux', architecture: 'amd64' }))).toBe(false);
  });

  it('matches variants: exact when asked, the default first when not', () => {
    const idx = index(
      entry(1, { os: 'linux', architecture: 'arm', variant: 'v6' }),
      entry(2, { os: 'linux', architecture: 'arm', variant: 'v7' }),
      entry(3, { os: 'linux', architecture: 'amd64', variant: 'v3' }),
      entry(4, { os: 'linux', architecture: 'amd64' }),
    );
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'arm' }))).toEqual([hex(2), hex(1)]);
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'arm', variant: 'v6' }))).toEqual([hex(1)]);
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'amd64' }))).toEqual([hex(4), hex(3)]);
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'amd64', variant: 'v3' }))).toEqual([hex(3)]);
  });

  it('normalises architecture aliases and default variants', () => {
    expect(normalizePlatform({ os: 'Linux', architecture: 'x86_64' })).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(normalizePlatform({ os: 'linux', architecture: 'aarch64' })).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    const idx = index(entry(1, { os: 'linux', architecture: 'arm64' }));
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'aarch64', variant: 'v8' }))).toEqual([hex(1)]);
  });

  it('offers nested indexes after direct matches', () => {
    const idx = index(
      entry(1, undefined, {}, MEDIA_TYPES.ociIndex),
      entry(2, { os: 'linux', architecture: 'amd64' }),
      entry(3, { os: 'linux', architecture: 'arm64' }, {}, MEDIA_TYPES.dockerList),
    );
    expect(digests(platformCandidates(idx, { os: 'linux', architecture: 'amd64' }))).toEqual([hex(2), hex(1)]);
  });

  it('parses an index from untrusted JSON and rejects bad shapes', () => {
    const json = { schemaVersion: 2, manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: hex(1), size: 3, platform: { os: 'linux', architecture: 'amd64' } }] };
    expect(parseImageIndex(json, MEDIA_TYPES.ociIndex).manifests[0]?.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(() => parseImageIndex({ schemaVersion: 2, manifests: [{ digest: hex(1), size: 3 }] }, MEDIA_TYPES.ociIndex)).toThrow(/mediaType/);
    expect(() => parseImageIndex({ schemaVersion: 1, manifests: [] }, MEDIA_TYPES.ociIndex)).toThrow(/schemaVersion/);
    expect(() => parseImageIndex({ schemaVersion: 2, manifests: [{ mediaType: 'x', digest: 'nope', size: 3 }] }, MEDIA_TYPES.ociIndex)).toThrow(/digest/);
  });
});
