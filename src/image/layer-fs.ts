import type { unpackLayer } from '../layer/unpack.js';

/**
 * The one place where the image store picks the filesystem hook the layer extractor uses
 * for what plain Node cannot do (mknod for overlay whiteouts, trusted.* xattrs). The lead
 * plugs the native ffi-rs implementation in here; until then the extractor's own default
 * applies, which is enough for layers without whiteouts (busybox and most base images).
 */
export type LayerFs = NonNullable<NonNullable<Parameters<typeof unpackLayer>[3]>['fs']>;

export function defaultLayerFs(): LayerFs | undefined {
  return undefined;
}
