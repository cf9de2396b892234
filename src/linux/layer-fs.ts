import type { LayerFs } from '../layer/layer-fs.js';
import { lsetxattr, mknod } from './libc.js';

/**
 * The layer extractor's native hook: mknod for overlay whiteouts (char 0/0), devices and
 * FIFOs, and xattrs (trusted.overlay.opaque, security.capability) — the calls Node lacks.
 * setxattr is only used on directories the extractor just made, so lsetxattr serves both.
 */
export const nativeLayerFs: LayerFs = {
  mknod: (path, mode, major, minor) => mknod(path, mode, major, minor),
  setxattr: (path, name, value) => lsetxattr(path, name, value),
  lsetxattr: (path, name, value) => lsetxattr(path, name, value),
};
