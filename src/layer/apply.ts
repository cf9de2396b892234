import fs from 'node:fs';
import { MiniboxError, describe, errnoCode } from '../util/errors.js';
import { type LayerFs, NativeBindingMissing, S_IFBLK, S_IFCHR, S_IFIFO } from './syscalls.js';
import { type RootResolver, cleanName } from './root-path.js';
import type { TarEntry, TarReader } from './tar-reader.js';
import type { FileJob, WritePool } from './write-pool.js';
import { filterXattrs } from './xattr-policy.js';

/**
 * Applying single tar entries to disk. All filesystem calls here are synchronous, as in
 * GNU tar: measured on this code path, a create+write+chown+chmod+utimes+close sequence
 * costs ~15µs synchronously versus ~30µs through libuv's threadpool, and the only thing
 * we wait on asynchronously is the input (decompression runs on the threadpool anyway).
 * Being synchronous also means no other entry can interleave between resolving a path
 * and creating it, which is what keeps the symlink checks sound.
 *
 * With a WritePool, regular files (the bulk of the syscalls) are written by worker
 * threads instead; everything else stays here. A file handed to a worker is "pending"
 * until acknowledged, and any entry that could see or disturb a pending file waits for
 * the workers first (pool.barrier()): hardlinks, whiteouts and device nodes always, a
 * file, directory or symlink at a pending path, a file or symlink replacing a known
 * directory, and any path whose parent chain needs syscalls to resolve.
 *
 * Syscalls are also trimmed per file: created with its final permission bits when the
 * umask lets them through (no fchmod), and no fchown when the creating process's own
 * uid/gid is what the entry asks for and the directory is not setgid.
 */

export interface ApplyContext {
  resolver: RootResolver;
  lfs: LayerFs;
  sameOwner: boolean; // chown to the header's uid/gid (root only, like GNU tar)
  dirTimes: Map<string, [atime: number, mtime: number]>; // restored once all entries are in
  stats: { entries: number; bytes: number; skipped: number };
  warn(message: string): void;
  pool: WritePool | null; // worker threads for regular files, or null: all here
  umask: number; // the process umask, read once per extraction
  euid: number; // what a new inode is owned by (when the directory is not setgid)
  egid: number;
  sgid: Map<string, boolean>; // directory -> is setgid (its new children take its group)
}

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
// O_EXCL also refuses dangling symlinks, so we never write through a link. (libuv adds
// O_CLOEXEC itself.)
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const WH_PREFIX = '.wh.';
const WH_META_PREFIX = '.wh..wh.';
const WH_OPAQUE = '.wh..wh..opq';

function fail(e: TarEntry, action: string, err: unknown): MiniboxError {
  if (err instanceof MiniboxError) return err;
  return new MiniboxError(`layer entry "${e.name}": cannot ${action}: ${describe(err)}`, 125, { cause: err });
}

function atimeOf(e: TarEntry): number {
  return e.atime ?? e.mtime;
}

/** Apply one entry whose header has just been read; consumes its body from `reader`. */
export async function applyEntry(ctx: ApplyContext, reader: TarReader, e: TarEntry): Promise<void> {
  if (e.xattrs !== undefined) e.xattrs = filterXattrs(e.xattrs, (name) => dropXattr(ctx, e, name));
  const parts = cleanName(e.name);
  const base = parts.pop();
  // The layer root itself ("./") is left alone, as containerd does: its owner and mode
  // belong to the snapshot directory, not the layer.
  if (base === undefined) return reader.body(e.size, null);
  if (base.startsWith(WH_PREFIX)) {
    await reader.body(e.size, null);
    if (ctx.pool !== null && ctx.pool.pending.size > 0) await ctx.pool.barrier();
    return whiteout(ctx, e, parts, base);
  }
  const pool = ctx.pool;
  if (pool !== null && pool.pending.size > 0 && mustWait(ctx, pool, e, parts)) await pool.barrier();
  const dir = ctx.resolver.resolveDir(parts, e.name, true);
  const path = `${dir}/${base}`;
  if (pool !== null && pool.pending.size > 0 && mustWaitAt(ctx, pool, e, path)) await pool.barrier();
  switch (e.type) {
    case 'file':
      if (pool !== null && e.xattrs === undefined) return poolFile(ctx, pool, reader, e, dir, path);
      return writeFile(ctx, reader, e, dir, path);
    case 'dir':
      makeDir(ctx, e, dir, path);
      break;
    case 'symlink':
      makeSymlink(ctx, e, dir, path);
      break;
    case 'link':
      makeHardlink(ctx, e, path);
      break;
    default:
      if (!(await makeNode(ctx, e, path))) return reader.body(e.size, null);
  }
  await reader.body(e.size, null);
  if (e.type !== 'link') await applyXattrs(ctx, e, path);
}

function dropXattr(ctx: ApplyContext, e: TarEntry, name: string): void {
  ctx.stats.skipped++;
  ctx.warn(`dropped xattr ${name} on "${e.name}": not accepted from a layer`);
}

/** Before resolving: kinds that always wait, and parents not yet known to be plain directories. */
function mustWait(ctx: ApplyContext, pool: WritePool, e: TarEntry, parts: string[]): boolean {
  if (e.type === 'link' || e.type === 'char' || e.type === 'block' || e.type === 'fifo') return true;
  if (e.type === 'file' && e.xattrs !== undefined) return true; // written here, with the LayerFs
  return !ctx.resolver.isDir(ctx.resolver.join(parts));
}

/** Once the path is known: someone is writing it, or a directory with pending files may go. */
function mustWaitAt(ctx: ApplyContext, pool: WritePool, e: TarEntry, path: string): boolean {
  if (pool.pending.has(path)) return true;
  return e.type !== 'dir' && ctx.resolver.isDir(path);
}

/** Remove whatever is at `path` (file, link, or whole tree) so an entry can replace it. */
function removeExisting(ctx: ApplyContext, e: TarEntry, path: string): void {
  try {
    const st = fs.lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory()) {
      fs.rmSync(path, { recursive: true, force: true }); // rm never follows symlinks
      ctx.resolver.forget(path);
      const prefix = `${path}/`;
      for (const d of ctx.dirTimes.keys()) if (d === path || d.startsWith(prefix)) ctx.dirTimes.delete(d);
      for (const d of ctx.sgid.keys()) if (d === path || d.startsWith(prefix)) ctx.sgid.delete(d);
    } else {
      fs.unlinkSync(path);
    }
  } catch (err) {
    throw fail(e, `replace ${ctx.resolver.rel(path)}`, err);
  }
}

function openExclusive(ctx: ApplyContext, e: TarEntry, path: string, mode: number): number {
  try {
    return fs.openSync(path, CREATE_FLAGS, mode);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw fail(e, 'create file', err);
  }
  removeExisting(ctx, e, path);
  try {
    return fs.openSync(path, CREATE_FLAGS, mode);
  } catch (err) {
    throw fail(e, 'create file', err);
  }
}

/** Is `dir` setgid (so that what is created in it takes the directory's group)? */
function setgid(ctx: ApplyContext, dir: string): boolean {
  let v = ctx.sgid.get(dir);
  if (v === undefined) {
    v = (fs.statSync(dir).mode & 0o2000) !== 0;
    ctx.sgid.set(dir, v);
  }
  return v;
}

/** The owner change a new inode in `dir` needs, if any. */
function chownFor(ctx: ApplyContext, e: TarEntry, dir: string): [number, number] | null {
  if (!ctx.sameOwner) return null;
  if (e.uid === ctx.euid && e.gid === ctx.egid && !setgid(ctx, dir)) return null;
  return [e.uid, e.gid];
}

/**
 * How to create a file: open(2) gets the permission bits (never setuid/setgid/sticky,
 * which go on after chown, as GNU tar does), and fchmod is needed only when the umask
 * took some away or special bits are wanted.
 */
export function fileJob(ctx: ApplyContext, e: TarEntry, dir: string, path: string): FileJob {
  const openMode = e.mode & 0o777;
  return {
    path,
    name: e.name,
    mode: e.mode,
    openMode,
    chown: chownFor(ctx, e, dir),
    chmod: e.mode !== (openMode & ~ctx.umask),
    atime: atimeOf(e),
    mtime: e.mtime,
  };
}

/** A regular file through the worker pool (see mustWait/mustWaitAt for the ordering). */
async function poolFile(
  ctx: ApplyContext,
  pool: WritePool,
  reader: TarReader,
  e: TarEntry,
  dir: string,
  path: string,
): Promise<void> {
  if (ctx.resolver.isDir(path)) removeExisting(ctx, e, path); // after the barrier in applyEntry
  if (pool.busy()) await pool.throttle();
  pool.begin(fileJob(ctx, e, dir, path));
  await reader.body(e.size, (chunk) => pool.write(chunk));
  pool.end();
  ctx.stats.bytes += e.size;
}

async function writeFile(ctx: ApplyContext, reader: TarReader, e: TarEntry, dir: string, path: string): Promise<void> {
  const job = fileJob(ctx, e, dir, path);
  const fd = openExclusive(ctx, e, path, job.openMode);
  try {
    await reader.body(e.size, (chunk) => {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
    });
    // Order matters: chown clears setuid/setgid and file capabilities, so xattrs and
    // the mode go on after it (containerd does the same).
    if (job.chown !== null) fs.fchownSync(fd, job.chown[0], job.chown[1]);
    await applyXattrs(ctx, e, path);
    if (job.chmod) fs.fchmodSync(fd, e.mode);
    fs.futimesSync(fd, job.atime, job.mtime);
  } catch (err) {
    throw fail(e, 'write file', err);
  } finally {
    fs.closeSync(fd);
  }
  ctx.stats.bytes += e.size;
}

function makeDir(ctx: ApplyContext, e: TarEntry, dir: string, path: string): void {
  try {
    const openMode = e.mode & 0o777;
    // A new directory gets the mode straight from mkdir(2) when nothing else interferes:
    // the umask, special bits, or a setgid parent (whose bit it would inherit).
    let chmod = e.mode !== (openMode & ~ctx.umask) || setgid(ctx, dir);
    let chown = chownFor(ctx, e, dir);
    try {
      fs.mkdirSync(path, openMode);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      // A directory over a directory keeps its contents; anything else is replaced.
      if (fs.lstatSync(path).isDirectory()) {
        chmod = true; // it has some older owner and mode
        chown = ctx.sameOwner ? [e.uid, e.gid] : null;
      } else {
        removeExisting(ctx, e, path);
        fs.mkdirSync(path, openMode);
      }
    }
    ctx.resolver.addDir(path);
    // chmod follows symlinks, but `path` was verified to be a real directory just now
    // and nothing can run in between (all synchronous).
    if (chown !== null) fs.lchownSync(path, chown[0], chown[1]);
    if (chmod) fs.chmodSync(path, e.mode);
    ctx.sgid.set(path, (e.mode & 0o2000) !== 0);
  } catch (err) {
    throw fail(e, 'create directory', err);
  }
  ctx.dirTimes.set(path, [atimeOf(e), e.mtime]);
}

function makeSymlink(ctx: ApplyContext, e: TarEntry, dir: string, path: string): void {
  try {
    try {
      fs.symlinkSync(e.linkname, path);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      removeExisting(ctx, e, path);
      fs.symlinkSync(e.linkname, path);
    }
    const chown = chownFor(ctx, e, dir);
    if (chown !== null) fs.lchownSync(path, chown[0], chown[1]);
    fs.lutimesSync(path, atimeOf(e), e.mtime);
  } catch (err) {
    throw fail(e, 'create symlink', err);
  }
}

/** Hardlink to an entry already in this layer; the target is confined like any path. */
function makeHardlink(ctx: ApplyContext, e: TarEntry, path: string): void {
  const parts = cleanName(e.linkname, e.name);
  const base = parts.pop();
  if (base === undefined) throw new MiniboxError(`layer entry "${e.name}": hardlink to the layer root`);
  const target = `${ctx.resolver.resolveDir(parts, e.name, false)}/${base}`;
  const st = fs.lstatSync(target, { throwIfNoEntry: false });
  if (st === undefined) throw new MiniboxError(`layer entry "${e.name}": hardlink target "${e.linkname}" does not exist`);
  if (st.isDirectory()) throw new MiniboxError(`layer entry "${e.name}": hardlink target "${e.linkname}" is a directory`);
  if (target === path) return;
  try {
    try {
      // link(2) does not follow a symlink target: linking to a symlink links the symlink.
      fs.linkSync(target, path);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const existing = fs.lstatSync(path);
      if (existing.ino === st.ino && existing.dev === st.dev) return;
      removeExisting(ctx, e, path);
      fs.linkSync(target, path);
    }
  } catch (err) {
    throw fail(e, 'create hardlink', err);
  }
}

const NODE_TYPE = { char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO } as const;

/** False if skipped because the native binding is missing. */
async function makeNode(ctx: ApplyContext, e: TarEntry, path: string): Promise<boolean> {
  const typeBits = e.type === 'char' || e.type === 'block' || e.type === 'fifo' ? NODE_TYPE[e.type] : 0;
  removeExisting(ctx, e, path);
  try {
    await ctx.lfs.mknod(path, typeBits | e.mode, e.devmajor, e.devminor);
  } catch (err) {
    if (err instanceof NativeBindingMissing) {
      ctx.stats.skipped++;
      ctx.warn(`skipped ${e.type} node "${e.name}": ${err.message}`);
      return false;
    }
    throw fail(e, `create ${e.type} node`, err);
  }
  try {
    if (ctx.sameOwner) fs.lchownSync(path, e.uid, e.gid);
    fs.chmodSync(path, e.mode); // a node we just made, not a symlink
    fs.lutimesSync(path, atimeOf(e), e.mtime);
  } catch (err) {
    throw fail(e, `set attributes of ${e.type} node`, err);
  }
  return true;
}

/**
 * OCI whiteouts become overlayfs ones: `.wh.name` a 0/0 character device at `name`,
 * `.wh..wh..opq` the trusted.overlay.opaque=y xattr on the directory. Without the
 * native binding these fail loudly: dropping them would resurrect deleted files.
 */
async function whiteout(ctx: ApplyContext, e: TarEntry, parts: string[], base: string): Promise<void> {
  const dir = ctx.resolver.resolveDir(parts, e.name, true);
  if (base === WH_OPAQUE) {
    try {
      await ctx.lfs.setxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
    } catch (err) {
      throw fail(e, 'mark directory opaque', err);
    }
    return;
  }
  if (base.startsWith(WH_META_PREFIX)) return; // aufs bookkeeping (.wh..wh.plnk etc.), meaningless here
  const name = base.slice(WH_PREFIX.length);
  if (name === '' || name === '.' || name === '..') throw new MiniboxError(`layer entry "${e.name}" is an invalid whiteout`);
  const path = `${dir}/${name}`;
  // Only something this same layer created can be here; the lower layers live elsewhere.
  removeExisting(ctx, e, path);
  try {
    await ctx.lfs.mknod(path, S_IFCHR, 0, 0);
    if (ctx.sameOwner) fs.lchownSync(path, e.uid, e.gid);
  } catch (err) {
    throw fail(e, 'create whiteout', err);
  }
}

async function applyXattrs(ctx: ApplyContext, e: TarEntry, path: string): Promise<void> {
  if (e.xattrs === undefined) return;
  // Paths here are never symlinks except for symlink entries, so setxattr is only a
  // fallback where it cannot follow anything.
  const set = ctx.lfs.lsetxattr ?? (e.type === 'symlink' ? undefined : ctx.lfs.setxattr);
  for (const [name, value] of e.xattrs) {
    if (set === undefined) {
      ctx.stats.skipped++;
      ctx.warn(`skipped xattr ${name} on symlink "${e.name}": the LayerFs has no lsetxattr`);
      continue;
    }
    try {
      await set.call(ctx.lfs, path, name, value);
    } catch (err) {
      const code = errnoCode(err);
      if (err instanceof NativeBindingMissing || code === 'ENOTSUP' || code === 'EOPNOTSUPP') {
        ctx.stats.skipped++;
        ctx.warn(`skipped xattr ${name} on "${e.name}": ${describe(err)}`);
        continue;
      }
      throw fail(e, `set xattr ${name}`, err);
    }
  }
}
