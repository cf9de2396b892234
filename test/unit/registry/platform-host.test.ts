import { describe, expect, it } from 'vitest';
import { platformCandidates, platformString } from '../../../src/registry/platform.js';
import { hostPlatform, type Descriptor, type Platform } from '../../../src/oci-format/descriptor.js';
import { MEDIA_TYPES } from '../../../src/oci-format/media-types.js';

/**
 * What a pull picks from a manifest list on this host and on the others minibox runs on
 * (an arm64 VM on Apple Silicon above all), with the host given as Node's process.arch.
 */
const hex = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const entry = (n: number, platform: Platform, annotations: Record<string, string> = {}): Descriptor => ({
  mediaType: MEDIA_TYPES.ociManifest,
  digest: hex(n),
  size: 100,
  annotations,
  platform,
});
const index = (...manifests: Descriptor[]) => ({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests, annotations: {} });
const picks = (nodeArch: string, ...manifests: Descriptor[]): string[] => platformCandidates(index(...manifests), hostPlatform(nodeArch)).map((d) => d.digest);
const linux = (architecture: string, variant?: string): Platform => ({ os: 'linux', architecture, ...(variant ? { variant } : {}) });

// the shape of Docker Hub's official images (mysql, debian, busybox): one entry per platform,
// plus attestation manifests
const OFFICIAL = [
  entry(1, linux('amd64')),
  entry(2, linux('arm', 'v5')),
  entry(3, linux('arm', 'v7')),
  entry(4, linux('arm64', 'v8')),
  entry(5, linux('386')),
  entry(6, linux('ppc64le')),
  entry(7, { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
];

describe('the host platform pulls ask for', () => {
  it("is Docker's default spec: linux/amd64 on x64, linux/arm64/v8 on arm64", () => {
    expect(hostPlatform('x64')).toEqual(linux('amd64'));
    expect(hostPlatform('arm64')).toEqual(linux('arm64', 'v8'));
    expect(hostPlatform('ia32')).toEqual(linux('386'));
    expect(platformString(hostPlatform('arm64'))).toBe('linux/arm64/v8'); // as "no matching manifest for …" names it
    expect(hostPlatform()).toEqual(hostPlatform(process.arch));
  });
});

describe('choosing from a manifest list by host', () => {
  it('an arm64 host takes linux/arm64/v8, then the 32-bit arm entries newest first, never amd64', () => {
    expect(picks('arm64', ...OFFICIAL)).toEqual([hex(4), hex(3), hex(2)]);
  });

  it('an arm64 host takes an arm64 entry without a variant (v8 implied), in list order beside v8', () => {
    expect(picks('arm64', entry(1, linux('amd64')), entry(2, linux('arm64')))).toEqual([hex(2)]);
    expect(picks('arm64', entry(1, linux('arm64')), entry(2, linux('arm64', 'v8')), entry(3, linux('arm', 'v7')))).toEqual([hex(1), hex(2), hex(3)]);
    expect(picks('arm64', entry(1, linux('aarch64', '8')))).toEqual([hex(1)]);
  });

  it('an arm64 host falls back to 32-bit arm only when no arm64 entry exists, and not to other variants of arm64', () => {
    expect(picks('arm64', entry(1, linux('arm', 'v6')), entry(2, linux('amd64')), entry(3, linux('arm', 'v7')))).toEqual([hex(3), hex(1)]);
    expect(picks('arm64', entry(1, linux('arm64', 'v9')), entry(2, linux('amd64')))).toEqual([]);
    expect(picks('arm64', entry(1, { os: 'windows', architecture: 'arm64' }))).toEqual([]);
  });

  it('an amd64 host takes amd64, then 386, never arm', () => {
    expect(picks('x64', ...OFFICIAL)).toEqual([hex(1), hex(5)]);
    expect(picks('x64', entry(1, linux('arm64', 'v8')), entry(2, linux('386')))).toEqual([hex(2)]);
  });

  it('a 32-bit arm v7 host takes v7, then v6 and v5', () => {
    expect(platformCandidates(index(...OFFICIAL, entry(8, linux('arm', 'v6'))), linux('arm', 'v7')).map((d) => d.digest)).toEqual([hex(3), hex(8), hex(2)]);
  });
});
