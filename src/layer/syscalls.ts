import { MiniboxError } from '../util/errors.js';

/**
 * The syscalls layer extraction needs that Node does not expose, as an interface the
 * caller fills: the engine passes the ffi-rs one (linux/native-layer-fs.ts), tests a
 * recorder, and without one missingLayerFs skips what needs it. Methods may be synchronous or
 * return a promise. They should throw Node-style errors carrying `code` (ENOTSUP,
 * EEXIST, …) so callers can react to them.
 */
export interface LayerFs {
  /** mknod(2). `mode` includes the file-type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
  mknod(path: string, mode: number, major: number, minor: number): void | Promise<void>;
  /** setxattr(2) (follows symlinks; only used on paths we just made or verified to be directories). */
  setxattr(path: string, name: string, value: Buffer): void | Promise<void>;
  /** lsetxattr(2); needed for xattrs on symlinks, which are skipped with a warning without it. */
  lsetxattr?(path: string, name: string, value: Buffer): void | Promise<void>;
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** Thrown by missingLayerFs (the default when no LayerFs is given); extraction treats it as "can't do this here". */
export class NativeBindingMissing extends MiniboxError {
  constructor(what: string) {
    super(`${what} needs the native binding, which is not loaded`);
    this.name = 'NativeBindingMissing';
  }
}

export const missingLayerFs: LayerFs = {
  mknod() {
    throw new NativeBindingMissing('mknod (device nodes and overlay whiteouts)');
  },
  setxattr() {
    throw new NativeBindingMissing('setxattr (xattrs and opaque directories)');
  },
};
