import type { Descriptor, Platform } from '../oci-format/descriptor.js';
import type { ImageIndex } from '../oci-format/manifest.js';
import { isIndexMediaType } from '../oci-format/media-types.js';

/**
 * Choosing the image for our platform from an index / manifest list, the way containerd's
 * platform matcher does: architectures and variants are normalised (x86_64 = amd64,
 * aarch64 = arm64, arm64 without variant = v8, arm without variant = v7), attestation
 * manifests are never candidates, and nested indexes are offered for descent after
 * direct matches.
 */
export const ATTESTATION_ANNOTATION = 'vnd.docker.reference.type';
export const ATTESTATION_VALUE = 'attestation-manifest';

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' };

/** The canonical form of a platform (containerd's platforms.Normalize). */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const architecture = ARCH_ALIASES[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase();
  if (architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && (variant === undefined || variant === '7')) variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export function isAttestation(d: Descriptor): boolean {
  if (d.annotations[ATTESTATION_ANNOTATION] === ATTESTATION_VALUE) return true;
  return d.platform?.os === 'unknown' && d.platform.architecture === 'unknown';
}

/**
 * 0 = no match; higher is better. A wanted variant must match exactly; without one, the
 * platform's default variant is preferred over others (e.g. amd64 over amd64/v3).
 */
function score(have: Platform, want: Platform, wantVariant: boolean): number {
  const h = normalizePlatform(have);
  const w = normalizePlatform(want);
  if (h.os !== w.os || h.architecture !== w.architecture) return 0;
  if (h.variant === w.variant) return 3;
  if (wantVariant) return 0;
  return 1;
}

/**
 * The index entries to try for `want`, best first: manifests for the platform, then nested
 * indexes (for the platform, or without a platform at all) to descend into.
 */
export function platformCandidates(index: ImageIndex, want: Platform): Descriptor[] {
  const wantVariant = want.variant !== undefined;
  const direct: { d: Descriptor; s: number; i: number }[] = [];
  const nested: Descriptor[] = [];
  index.manifests.forEach((d, i) => {
    if (isAttestation(d)) return;
    const s = d.platform ? score(d.platform, want, wantVariant) : 0;
    if (isIndexMediaType(d.mediaType)) {
      if (!d.platform || s > 0) nested.push(d);
    } else if (s > 0) {
      direct.push({ d, s, i });
    }
  });
  direct.sort((a, b) => b.s - a.s || a.i - b.i);
  return [...direct.map((x) => x.d), ...nested];
}

export function platformString(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x).join('/');
}
