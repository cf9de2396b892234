/**
 * The one table of OCI and Docker media types and annotation keys, for documents from a
 * registry and from files on disk alike.
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
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

/** What a manifest request accepts, in order of preference (Docker sends the same four). */
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

/** containerd's full image name on an index entry (`docker save`, `ctr export`). */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
/** The OCI tag (or full name) of an index entry. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
