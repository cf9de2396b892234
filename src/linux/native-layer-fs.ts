import { lsetxattr, mknod } from './libc.js';

/**
 * The layer extractor's native hook: mknod for overlay whiteouts (char 0/0), devices and
 * FIFOs, and xattrs (trusted.overlay.opaque, security.capability) — the calls Node lacks.
 * setxattr is only used on directories the extractor just made, so lsetxattr serves both.
 * It matches layer/syscalls.ts's LayerFs by shape: linux/ sits below layer/ and does not
 * import it.
 */
export const nativeLayerFs = {
  mknod: (path: string, mode: number, major: number, minor: number): void => mknod(path, mode, major, minor),
  setxattr: (path: string, name: string, value: Buffer): void => lsetxattr(path, name, value),
  lsetxattr: (path: string, name: string, value: Buffer): void => lsetxattr(path, name, value),
};
