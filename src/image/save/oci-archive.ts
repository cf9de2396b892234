import type { StatePaths } from '../../util/paths.js';
import { digestHex } from '../../oci-format/digest.js';
import { MEDIA_TYPES } from '../../oci-format/media-types.js';
import { imageContent, openBlob } from './image-content.js';
import { indexEntries, OCI_LAYOUT, type SaveItem } from './save-items.js';
import type { TarOut } from './tar-out.js';

/**
 * `save --format oci`: an OCI image layout in a tar (what `skopeo copy oci-archive:` and
 * `podman load` read), with the blobs exactly as the store holds them (compressed layers,
 * the manifest the image came with), so the manifest digest inside is the image's own.
 * index.json names each image with org.opencontainers.image.ref.name (the tag) and
 * io.containerd.image.name (the full name).
 */
export async function writeOciArchive(paths: StatePaths, out: TarOut, items: SaveItem[]): Promise<void> {
  const written = new Set<string>();
  await out.bytes('oci-layout', OCI_LAYOUT);
  await out.dir('blobs/');
  await out.dir('blobs/sha256/');
  const index: object[] = [];
  for (const item of items) {
    const content = await imageContent(paths, item.imageId, item.input);
    const blobs: Array<{ digest: string; size: number; write: () => Promise<void> }> = [
      { digest: content.record.id, size: content.configBytes.length, write: () => out.bytes(name(content.record.id), content.configBytes) },
      ...content.layers.map((l) => ({ digest: l.digest, size: l.size, write: () => out.stream(name(l.digest), l.size, openBlob(paths, l.digest)) })),
      { digest: content.manifest.digest, size: content.manifest.bytes.length, write: () => out.bytes(name(content.manifest.digest), content.manifest.bytes) },
    ];
    for (const b of blobs) {
      if (written.has(b.digest)) continue;
      written.add(b.digest);
      await b.write();
    }
    index.push(...indexEntries({ mediaType: content.manifest.mediaType, digest: content.manifest.digest, size: content.manifest.bytes.length }, item.names));
  }
  await out.bytes('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: index })));
}

function name(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`;
}
