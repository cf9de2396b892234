import type { Descriptor, Platform } from '../oci-format/descriptor.js';
import type { ImageIndex } from '../oci-format/manifest.js';
import { isIndexMediaType } from '../oci-format/media-types.js';

/**
 * Choosing the image for our platform from an index / manifest list, the way containerd's
 * platform matcher does: architectures and variants are normalised (x86_64 = amd64,
 * aarch64 = arm64, arm64 without variant = v8, arm without variant = v7), attestation
 * manifests are never candidates, nested indexes are offered for descent after direct
 * matches, and a host also takes what it can run (arm64: 32-bit arm; amd64: 386) when its
 * own platform is missing, as Docker does. An arm64 host asks for linux/arm64/v8
 * (oci-format hostPlatform), which an entry without a variant satisfies too.
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

/** Whether two platforms are the same once normalised (containerd's strict matcher). */
export function samePlatform(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && x.variant === y.variant;
}

export function isAttestation(d: Descriptor): boolean {
  if (d.annotations[ATTESTATION_ANNOTATION] === ATTESTATION_VALUE) return true;
  return d.platform?.os === 'unknown' && d.platform.architecture === 'unknown';
}

/**
 * What a host of `want` also runs, best first, as containerd's platforms.Only lists it (and so
 * Docker's pull): amd64 runs 386; arm64 runs 32-bit arm v8 down to v5 (so does the kernel, though
 * Apple Silicon's cores lack 32-bit mode); arm vN runs arm v(N-1) down to v5.
 */
function compatible(w: Platform): Platform[] {
  const armFrom = (n: number): Platform[] => Array.from({ length: Math.max(0, n - 4) }, (_, i) => ({ os: w.os, architecture: 'arm', variant: `v${n - i}` }));
  if (w.architecture === 'amd64') return [{ os: w.os, architecture: '386' }];
  if (w.architecture === 'arm64') return armFrom(8);
  const v = w.architecture === 'arm' ? Number(w.variant?.slice(1)) : NaN;
  return Number.isInteger(v) ? armFrom(v - 1) : [];
}

/**
 * 0 = no match; higher is better. A wanted variant must match exactly; without one, the
 * platform's default variant is preferred over others (e.g. amd64 over amd64/v3). After
 * every entry of the platform itself come the compatible ones, in containerd's order.
 */
function score(have: Platform, want: Platform, wantVariant: boolean): number {
  const h = normalizePlatform(have);
  const w = normalizePlatform(want);
  if (h.os !== w.os) return 0;
  if (h.architecture === w.architecture) {
    if (h.variant === w.variant) return 100;
    if (!wantVariant) return 90;
  }
  const i = compatible(w).findIndex((c) => { const n = normalizePlatform(c); return n.architecture === h.architecture && n.variant === h.variant; });
  return i < 0 ? 0 : 50 - i;
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
