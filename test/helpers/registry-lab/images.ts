import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { sha256Of } from '../../../src/oci-format/digest.js';
import { RegistryClient } from '../../../src/registry/client.js';
import type { Credentials } from '../../../src/registry/credentials.js';
import { ATTESTATION_ANNOTATION, ATTESTATION_VALUE } from '../../../src/registry/platform.js';
import { MEDIA_TYPES } from '../../../src/oci-format/media-types.js';
import type { Descriptor, Platform } from '../../../src/oci-format/descriptor.js';

/**
 * Building and pushing test images into the lab registry with the client's own push
 * support: gzip tar layers, a config, an OCI manifest; and multi-platform indexes with
 * Docker-style attestation entries next to the real images.
 */
export interface ImageSpec {
  layers: Buffer[]; // gzip tars
  config: object;
}

export interface PushedImage {
  digest: string;
  size: number;
  bytes: Buffer;
  config: Descriptor;
  layers: Descriptor[];
}

/** A gzip tar with the given files; `random` adds incompressible bytes (to size a blob). */
export async function makeLayer(files: Record<string, string | Buffer>, random = 0): Promise<Buffer> {
  const pack = tar.pack();
  const all: Record<string, string | Buffer> = random > 0 ? { ...files, 'noise.bin': randomBytes(random) } : files;
  for (const [name, content] of Object.entries(all)) pack.entry({ name, mode: 0o644 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return gzipSync(Buffer.concat(chunks));
}

export function imageConfig(platform: Platform = { os: 'linux', architecture: 'amd64' }): object {
  return { ...platform, config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [] } };
}

function labClient(host: string, creds?: Credentials): RegistryClient {
  return new RegistryClient({ host, credentials: creds });
}

function descriptor(mediaType: string, pushed: { digest: string; size: number }, extra: Partial<Descriptor> = {}): Descriptor {
  return { mediaType, digest: pushed.digest, size: pushed.size, annotations: {}, ...extra };
}

async function pushWithClient(client: RegistryClient, repo: string, reference: string | undefined, image: ImageSpec, configType: string = MEDIA_TYPES.ociConfig, layerType: string = MEDIA_TYPES.ociLayerGzip): Promise<PushedImage> {
  const configBytes = Buffer.from(JSON.stringify(image.config));
  const config = descriptor(configType, await client.pushBlob(repo, configBytes));
  const layers: Descriptor[] = [];
  for (const l of image.layers) layers.push(descriptor(layerType, await client.pushBlob(repo, l)));
  const strip = (d: Descriptor): object => ({ mediaType: d.mediaType, digest: d.digest, size: d.size });
  const manifest = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: strip(config), layers: layers.map(strip) };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await client.pushManifest(repo, reference ?? sha256Of(bytes), bytes, MEDIA_TYPES.ociManifest);
  return { digest, size: bytes.length, bytes, config, layers };
}

/** Push an image under `repo:tag` (credentials needed when the lab has auth). */
export async function pushImage(host: string, repo: string, tag: string, image: ImageSpec, creds?: Credentials): Promise<PushedImage> {
  return pushWithClient(labClient(host, creds), repo, tag, image);
}

/** Push an image by digest only (as index children are). */
async function pushUntagged(client: RegistryClient, repo: string, image: ImageSpec, configType?: string, layerType?: string): Promise<PushedImage> {
  return pushWithClient(client, repo, undefined, image, configType, layerType);
}

/** An in-toto attestation manifest as BuildKit makes them, for `subject`. */
async function pushAttestation(client: RegistryClient, repo: string, subject: PushedImage): Promise<PushedImage> {
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: { sha256: subject.digest.slice(7) } }] }));
  return pushUntagged(client, repo, { layers: [statement], config: {} }, MEDIA_TYPES.ociConfig, 'application/vnd.in-toto+json');
}

export interface IndexEntry {
  platform: Platform;
  image: ImageSpec;
}

export interface PushedIndex {
  digest: string;
  images: PushedImage[]; // same order as the entries
  index: object;
}

/**
 * Push each platform's image, one attestation per image (unknown/unknown with the
 * attestation annotation), and an OCI index over them under `repo:tag`. With
 * `attestationFirst`, an extra attestation entry claiming linux/amd64 leads the list, so
 * only the annotation tells it apart.
 */
export async function pushIndex(host: string, repo: string, tag: string, entries: IndexEntry[], creds?: Credentials, opts: { attestationFirst?: boolean; nested?: boolean } = {}): Promise<PushedIndex> {
  const client = labClient(host, creds);
  const images: PushedImage[] = [];
  const manifests: object[] = [];
  const attestations: object[] = [];
  for (const e of entries) {
    const img = await pushUntagged(client, repo, e.image);
    images.push(img);
    manifests.push({ mediaType: MEDIA_TYPES.ociManifest, digest: img.digest, size: img.size, platform: e.platform });
    const att = await pushAttestation(client, repo, img);
    const annotations = { [ATTESTATION_ANNOTATION]: ATTESTATION_VALUE, 'vnd.docker.reference.digest': img.digest };
    attestations.push({ mediaType: MEDIA_TYPES.ociManifest, digest: att.digest, size: att.size, platform: { os: 'unknown', architecture: 'unknown' }, annotations });
    if (opts.attestationFirst && e.platform.architecture === 'amd64') {
      manifests.unshift({ mediaType: MEDIA_TYPES.ociManifest, digest: att.digest, size: att.size, platform: e.platform, annotations });
    }
  }
  let index: object = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [...manifests, ...attestations] };
  if (opts.nested) {
    const inner = Buffer.from(JSON.stringify(index));
    const innerDigest = await client.pushManifest(repo, sha256Of(inner), inner, MEDIA_TYPES.ociIndex);
    index = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [{ mediaType: MEDIA_TYPES.ociIndex, digest: innerDigest, size: inner.length }] };
  }
  const bytes = Buffer.from(JSON.stringify(index));
  const digest = await client.pushManifest(repo, tag, bytes, MEDIA_TYPES.ociIndex);
  return { digest, images, index };
}
