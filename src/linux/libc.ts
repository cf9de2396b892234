/**
 * The libc calls Node lacks, bound with ffi-rs. Loaded lazily: the first call pays ~10 ms,
 * commands that never need it pay nothing. Every wrapper throws a MiniboxError naming the
 * call and the object on failure, crun-style (`mknod '/x/y': Operation not permitted`).
 * Only what src/ calls is bound (layer extraction's mknod/lsetxattr, diff's lgetxattr, pack's llistxattr, signal-child's pidfds):
 * a binding nothing calls is untested in practice and goes.
 */
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { MiniboxError } from '../util/errors.js';

type Ffi = typeof import('ffi-rs');
let ffi: Ffi | undefined;

function lib(): Ffi {
  if (!ffi) {
    // ffi-rs is CommonJS; require keeps the load synchronous so wrappers stay simple.
    ffi = createRequire(import.meta.url)('ffi-rs') as Ffi;
    ffi.open({ library: 'libc', path: 'libc.so.6' });
  }
  return ffi;
}

interface ErrnoResult {
  value: number;
  errnoCode: number;
  errnoMessage: string;
}

/** Call `name` in libc with errno capture; returns the raw result. */
function call(name: string, paramsType: number[], paramsValue: unknown[]): ErrnoResult {
  const f = lib();
  // int-returning calls must be read as I32 (an I64 read sees -1 as 4294967295);
  // only syscall(2) returns a long.
  return f.load({
    library: 'libc',
    funcName: name,
    retType: name === 'syscall' ? f.DataType.I64 : f.DataType.I32,
    paramsType,
    paramsValue,
    errno: true,
  }) as unknown as ErrnoResult;
}

function strerror(r: ErrnoResult): string {
  return r.errnoMessage.replace(/ \(os error \d+\)$/, '');
}

function check(r: ErrnoResult, what: string): number {
  if (Number(r.value) < 0) {
    const err = new MiniboxError(`${what}: ${strerror(r)}`);
    // Node-style fields so callers can branch on err.code like on fs errors
    Object.assign(err, { errno: r.errnoCode, code: errnoName(r.errnoCode) });
    throw err;
  }
  return Number(r.value);
}

function errnoName(n: number): string | undefined {
  return Object.entries(osConstants.errno).find(([, v]) => v === n)?.[0];
}

const T = () => lib().DataType;

/** makedev as glibc encodes it. */
function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

export function mknod(path: string, mode: number, major: number, minor: number): void {
  check(call('mknod', [T().String, T().I32, T().U64], [path, mode, makedev(major, minor)]), `mknod '${path}'`);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  check(
    call('lsetxattr', [T().String, T().String, T().U8Array, T().U64, T().I32], [path, name, value, value.length, 0]),
    `setxattr ${name} '${path}'`,
  );
}

/** lgetxattr(2): the value of `name` on `path` itself, undefined when it has none (diff's opaque dirs). */
export function lgetxattr(path: string, name: string, max = 256): Buffer | undefined {
  const buf = Buffer.alloc(max);
  const r = call('lgetxattr', [T().String, T().String, T().U8Array, T().U64], [path, name, buf, max]);
  if (Number(r.value) < 0 && (r.errnoCode === osConstants.errno.ENODATA || r.errnoCode === osConstants.errno.ENOTSUP)) return undefined;
  return buf.subarray(0, check(r, `getxattr ${name} '${path}'`));
}

/**
 * llistxattr(2): the names of the xattrs on `path` itself (not a symlink's target), [] where
 * the filesystem has none (ENOTSUP). Sized by asking first; a list that grew in between is
 * asked for again.
 */
export function llistxattr(path: string): string[] {
  for (;;) {
    const probe = call('llistxattr', [T().String, T().U8Array, T().U64], [path, Buffer.alloc(1), 0]);
    if (Number(probe.value) < 0 && probe.errnoCode === osConstants.errno.ENOTSUP) return [];
    const size = check(probe, `listxattr '${path}'`);
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const r = call('llistxattr', [T().String, T().U8Array, T().U64], [path, buf, size]);
    if (Number(r.value) < 0 && r.errnoCode === osConstants.errno.ERANGE) continue;
    const n = check(r, `listxattr '${path}'`);
    return buf.subarray(0, n).toString('utf8').split('\0').filter((name) => name !== '');
  }
}

/** The largest xattr value Linux stores (XATTR_SIZE_MAX). */
export const XATTR_SIZE_MAX = 65536;

const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;

/** pidfd_open(2): a handle on a process that can never point at a recycled pid. */
export function pidfdOpen(pid: number): number {
  return check(call('syscall', [T().I64, T().I32, T().I32], [SYS_PIDFD_OPEN, pid, 0]), `pidfd_open ${pid}`);
}

export function pidfdSendSignal(pidfd: number, signal: number): void {
  check(
    call('syscall', [T().I64, T().I32, T().I32, T().I64, T().I32], [SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0]),
    `pidfd_send_signal ${signal}`,
  );
}
