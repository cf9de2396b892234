import type { StatePaths } from '../../util/paths.js';
import { digestHex, sha256Of } from '../../oci-format/digest.js';
import { MEDIA_TYPES } from '../../oci-format/media-types.js';
import { familiarName, familiarRepository, parseReference } from '../../oci-format/reference.js';
import { imageContent } from './image-content.js';
import { plainLayer } from './layer-tar.js';
import { indexEntries, OCI_LAYOUT, type SaveItem } from './save-items.js';
import type { TarOut } from './tar-out.js';

/**
 * `docker save`'s archive as Docker 25+ writes it, which is an OCI image layout and the
 * classic format at once: blobs/sha256/ holds the config, every layer as a plain tar named
 * by its diffID, and an OCI manifest over them; index.json names each image
 * (io.containerd.image.name + org.opencontainers.image.ref.name); manifest.json (Config,
 * RepoTags, Layers) and `repositories` are what older `docker load`s and docker-archive
 * readers look for. minibox's own `load` reads it through manifest.json.
 */
interface ManifestJsonEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

const blobName = (digest: string): string => `blobs/sha256/${digestHex(digest)}`;

export async function writeDockerArchive(paths: StatePaths, out: TarOut, items: SaveItem[]): Promise<void> {
  const written = new Set<string>();
  const put = async (digest: string, write: () => Promise<void>): Promise<void> => {
    if (written.has(digest)) return;
    written.add(digest);
    await write();
  };
  await out.dir('blobs/');
  await out.dir('blobs/sha256/');
  const manifestJson: ManifestJsonEntry[] = [];
  const index: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const item of items) {
    const content = await imageContent(paths, item.imageId, item.input);
    await put(content.record.id, () => out.bytes(blobName(content.record.id), content.configBytes));
    const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
    for (const l of content.layers) {
      const plain = await plainLayer(paths, l);
      layers.push({ mediaType: MEDIA_TYPES.ociLayer, digest: plain.diffId, size: plain.size });
      await put(plain.diffId, async () => out.stream(blobName(plain.diffId), plain.size, await plain.open()));
    }
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: MEDIA_TYPES.ociConfig, digest: content.record.id, size: content.configBytes.length },
        layers,
      }),
    );
    const manifestDigest = sha256Of(manifest);
    await put(manifestDigest, () => out.bytes(blobName(manifestDigest), manifest));
    index.push(...indexEntries({ mediaType: MEDIA_TYPES.ociManifest, digest: manifestDigest, size: manifest.length }, item.names));
    manifestJson.push({
      Config: blobName(content.record.id),
      RepoTags: item.names.length > 0 ? item.names.map((n) => familiarName(n)) : null,
      Layers: layers.map((l) => blobName(l.digest)),
    });
    const top = layers[layers.length - 1];
    for (const n of item.names) {
      const ref = parseReference(n);
      if (!top || !ref.tag) continue;
      (repositories[familiarRepository(ref)] ??= {})[ref.tag] = digestHex(top.digest);
    }
  }
  await out.bytes('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: index })));
  await out.bytes('manifest.json', Buffer.from(`${JSON.stringify(manifestJson)}\n`));
  await out.bytes('oci-layout', OCI_LAYOUT);
  if (Object.keys(repositories).length > 0) await out.bytes('repositories', Buffer.from(`${JSON.stringify(repositories)}\n`));
}
