import fs from 'node:fs';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { XATTR_SIZE_MAX, lgetxattr, llistxattr } from '../linux/libc.js';
import type { HeaderType } from './pack-header.js';
import { xattrAllowed } from './xattr-policy.js';

/**
 * The order and meaning of a layer's entries, read from a directory tree (pack.ts writes
 * them). Depth first, each directory's entries before its content, siblings in byte order
 * of the names they get in the layer (as Go's filepath.Walk orders Docker's layers), so
 * the same tree always gives the same sequence. Never follows a symlink: everything is
 * lstat'ed and only real directories are descended into.
 *
 * Each directory is opened (O_NOFOLLOW) relative to its parent's open descriptor and read
 * through it (/proc/self/fd/<fd>/<name>: openat by path), so a tree that changes while it
 * is walked — a running container committed with --pause=false — cannot swap a directory
 * for a symlink and have the walk continue on the host.
 *
 * In an overlay upper dir ('upper'), what overlayfs means is translated into OCI's form:
 * a whiteout (character device 0:0) becomes an empty `.wh.<name>`, a directory marked
 * `trusted.overlay.opaque=y` is followed by `<dir>/.wh..wh..opq` (first, before its own
 * content, so no reader can apply it to entries of this layer). `trusted.*` is never read
 * into the layer. Regular files (and other non-directories) sharing an inode become one
 * file and hardlinks to it. Sockets are left out, as Docker leaves them out. Excluded
 * entries (the runtime's placeholders) are left out, and so is a directory holding nothing
 * else that the layers below have alike: a bare copy-up (copiedUpOnly).
 */

export interface PackFs {
  /** lgetxattr(2): undefined when the attribute (or xattr support) is absent. */
  lgetxattr(path: string, name: string): Buffer | undefined;
  /**
   * llistxattr(2). With it every allowed xattr (xattr-policy.ts: user.*, security.capability,
   * POSIX ACLs) is kept; without it only security.capability is looked for, on executable
   * regular files (the only place a file capability means anything), as Docker's archive does.
   */
  llistxattr?(path: string): string[];
}

export const nativePackFs: PackFs = {
  lgetxattr: (path, name) => {
    try {
      return lgetxattr(path, name, 4096);
    } catch (err) {
      // a user.* value may be up to 64 KiB: most are small, so only those pay for the big buffer
      if ((err as { code?: string }).code === 'ERANGE') return lgetxattr(path, name, XATTR_SIZE_MAX);
      throw err;
    }
  },
  llistxattr: (path) => llistxattr(path),
};

export interface WalkEntry {
  name: string; // in the layer: '<prefix>/a/b', directories with a trailing '/'
  type: HeaderType;
  path: string | undefined; // the file to read the body from ('file' entries), else undefined
  shown: string; // the path for messages
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeSec: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Array<[string, Buffer]>;
}

export interface WalkOptions {
  kind: 'upper' | 'plain';
  prefix: string; // normalised: '' or 'a/b' (no leading or trailing '/')
  exclude: ReadonlySet<string>; // layer names (no prefix) of non-directories to leave out
  lowerDirs: readonly string[]; // 'upper': the layers below, bottom → top (copiedUpOnly)
  fs: PackFs;
}

/**
 * lstat of `rel` in a lower layer, only through real directories (a lower layer's symlink
 * is never followed: it could point anywhere on the host). undefined when it is not there.
 */
function lowerStat(lower: string, rel: string): fs.Stats | undefined {
  let p = lower;
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    p = `${p}/${parts[i] ?? ''}`;
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined || (i < parts.length - 1 && !st.isDirectory())) return undefined;
    if (i === parts.length - 1) return st;
  }
  return undefined;
}

const OPAQUE_XATTR = 'trusted.overlay.opaque';
const WH_PREFIX = '.wh.';
const WH_OPAQUE = '.wh..wh..opq';
const CAPABILITY = 'security.capability';

/** Byte order of the UTF-8 encodings; code-unit order is the same unless surrogates are involved. */
export function byteOrder(a: string, b: string): number {
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** glibc's major()/minor() of a dev_t (64-bit; numbers, since Stats.rdev is one). */
function major(rdev: number): number {
  const hi = Math.floor(rdev / 2 ** 32) % 2 ** 32;
  return (Math.floor(rdev / 256) % 4096) + (hi - (hi % 4096));
}
function minor(rdev: number): number {
  const mid = Math.floor(rdev / 4096) % 2 ** 32;
  return (rdev % 256) + (mid - (mid % 256));
}

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

interface Child {
  name: string; // in this directory, as it will appear in the layer
  path: string; // through the directory's descriptor
  shown: string;
  st: fs.Stats;
  whiteout: boolean;
}

function lstat(path: string, shown: string): fs.Stats {
  try {
    return fs.lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new MiniboxError(`${shown} disappeared while the layer was being written (or its name is not UTF-8); stop or pause the container and try again`);
    }
    throw new MiniboxError(`cannot read ${shown} for the layer: ${(err as Error).message}`, 125, { cause: err });
  }
}

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;

/** Open the directory `path` (whose lstat was `st`), refusing a symlink or anything swapped in since. */
function openDir(path: string, shown: string, st: fs.Stats): number {
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') {
      throw new MiniboxError(`${shown} changed while the layer was being written; stop or pause the container and try again`);
    }
    if (code === 'EMFILE') throw new MiniboxError(`${shown}: the tree is nested too deeply to be written as a layer (out of file descriptors)`);
    throw new MiniboxError(`cannot read ${shown} for the layer: ${(err as Error).message}`, 125, { cause: err });
  }
  const now = fs.fstatSync(fd);
  if (now.ino !== st.ino || now.dev !== st.dev) {
    fs.closeSync(fd);
    throw new MiniboxError(`${shown} changed while the layer was being written; stop or pause the container and try again`);
  }
  return fd;
}

function readChildren(at: string, shownDir: string, o: WalkOptions): Child[] {
  const out: Child[] = [];
  for (const base of fs.readdirSync(at)) {
    const path = `${at}/${base}`;
    const shown = `${shownDir}/${base}`;
    const st = lstat(path, shown);
    const whiteout = o.kind === 'upper' && isWhiteout(st);
    out.push({ name: whiteout ? `${WH_PREFIX}${base}` : base, path, shown, st, whiteout });
  }
  return out.sort((a, b) => byteOrder(a.name, b.name));
}

function mtimeOf(st: fs.Stats): number {
  return Math.max(0, Math.floor(st.mtimeMs / 1000));
}

function xattrsOf(path: string, st: fs.Stats, o: WalkOptions): Array<[string, Buffer]> | undefined {
  const out: Array<[string, Buffer]> = [];
  if (o.fs.llistxattr) {
    // a name with '=' or a newline cannot be a PAX key
    for (const name of o.fs.llistxattr(path).filter((n) => xattrAllowed(n) && !/[=\n]/.test(n)).sort(byteOrder)) {
      const v = o.fs.lgetxattr(path, name);
      if (v !== undefined) out.push([name, Buffer.from(v)]);
    }
  } else if (st.isFile() && (st.mode & 0o111) !== 0) {
    const v = o.fs.lgetxattr(path, CAPABILITY);
    if (v !== undefined) out.push([CAPABILITY, Buffer.from(v)]);
  }
  return out.length > 0 ? out : undefined;
}

function typeOf(st: fs.Stats): HeaderType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return undefined; // socket
}

class Walker {
  private readonly links = new Map<string, string>(); // "dev:ino" → the layer name of its first path

  constructor(private readonly o: WalkOptions) {}

  private layerName(rel: string): string {
    return this.o.prefix === '' ? rel : rel === '' ? this.o.prefix : `${this.o.prefix}/${rel}`;
  }

  /** The entry for a non-whiteout path (rel: '' for the root), or undefined to leave it out. */
  entryOf(rel: string, path: string, shown: string, st: fs.Stats): WalkEntry | undefined {
    const type = typeOf(st);
    if (type === undefined) return undefined;
    const name = this.layerName(rel);
    const base = {
      shown,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtimeSec: mtimeOf(st),
    };
    if (type === 'dir') return { ...base, name: `${name}/`, type, path: undefined, size: 0, ...this.withXattrs(path, st) };
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) return { ...base, name, type: 'link', path: undefined, size: 0, linkname: first };
      this.links.set(key, name);
    }
    const e: WalkEntry = { ...base, name, type, path: type === 'file' ? path : undefined, size: type === 'file' ? st.size : 0, ...this.withXattrs(path, st) };
    if (type === 'symlink') e.linkname = fs.readlinkSync(path);
    if (type === 'char' || type === 'block') {
      e.devmajor = major(st.rdev);
      e.devminor = minor(st.rdev);
    }
    return e;
  }

  private withXattrs(path: string, st: fs.Stats): { xattrs?: Array<[string, Buffer]> } {
    const x = xattrsOf(path, st, this.o);
    return x ? { xattrs: x } : {};
  }

  private whiteoutEntry(rel: string, shown: string, st: fs.Stats): WalkEntry {
    return { name: this.layerName(rel), shown, type: 'file', path: undefined, mode: 0o600, uid: st.uid, gid: st.gid, size: 0, mtimeSec: mtimeOf(st) };
  }

  private opaqueEntry(rel: string, dir: WalkEntry): WalkEntry {
    return { name: this.layerName(rel === '' ? WH_OPAQUE : `${rel}/${WH_OPAQUE}`), shown: dir.shown, type: 'file', path: undefined, mode: dir.mode & 0o777, uid: dir.uid, gid: dir.gid, size: 0, mtimeSec: dir.mtimeSec };
  }

  private isOpaque(path: string): boolean {
    return this.o.kind === 'upper' && this.o.fs.lgetxattr(path, OPAQUE_XATTR)?.toString() === 'y';
  }

  /** Every entry under (and, with a prefix, including) `root`, in layer order. */
  *walk(root: string): Generator<WalkEntry> {
    const rootSt = lstat(root, root);
    if (!rootSt.isDirectory()) throw new MiniboxError(`${root} is not a directory; a layer is made from a directory`);
    if (this.o.prefix !== '') {
      const e = this.entryOf('', root, root, rootSt);
      if (e) yield e;
    }
    yield* this.walkDir(root, root, rootSt, '');
  }

  /**
   * A directory that holds nothing but left-out entries, and is in the upper dir only
   * because overlayfs copied it up to create them: the runtime's /etc when only the
   * /etc/hosts placeholders are in it. It says nothing the lower layers do not, so it is
   * left out too (Docker's init layer holds such a copy-up, never the container's layer).
   */
  private copiedUpOnly(rel: string, st: fs.Stats, children: Child[], path: string): boolean {
    if (this.o.kind !== 'upper' || this.o.exclude.size === 0 || children.length === 0) return false;
    if (!children.every((k) => !k.whiteout && !k.st.isDirectory() && this.o.exclude.has(`${rel}/${k.name}`))) return false;
    if (this.isOpaque(path)) return false;
    for (const lower of [...this.o.lowerDirs].reverse()) {
      const low = lowerStat(lower, rel);
      if (low === undefined) continue;
      return low.isDirectory() && (low.mode & 0o7777) === (st.mode & 0o7777) && low.uid === st.uid && low.gid === st.gid;
    }
    return true; // made only to hold them
  }

  private *walkDir(path: string, shown: string, st: fs.Stats, rel: string): Generator<WalkEntry> {
    const fd = openDir(path, shown, st);
    try {
      yield* this.walkChildren(readChildren(`/proc/self/fd/${fd}`, shown, this.o), rel);
    } finally {
      fs.closeSync(fd);
    }
  }

  private *walkChildren(children: Child[], rel: string): Generator<WalkEntry> {
    for (const c of children) {
      const childRel = rel === '' ? c.name : `${rel}/${c.name}`;
      if (c.whiteout) {
        yield this.whiteoutEntry(childRel, c.shown, c.st);
        continue;
      }
      if (!c.st.isDirectory()) {
        if (this.o.exclude.has(childRel)) continue;
        const e = this.entryOf(childRel, c.path, c.shown, c.st);
        if (e !== undefined) yield e;
        continue;
      }
      const fd = openDir(c.path, c.shown, c.st);
      try {
        const grandchildren = readChildren(`/proc/self/fd/${fd}`, c.shown, this.o);
        if (this.copiedUpOnly(childRel, c.st, grandchildren, c.path)) continue;
        const e = this.entryOf(childRel, c.path, c.shown, c.st);
        if (e === undefined) continue;
        yield e;
        if (this.isOpaque(c.path)) yield this.opaqueEntry(childRel, e);
        yield* this.walkChildren(grandchildren, childRel);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}

/** The entries of the tree at `root`, lazily, in layer order. */
export function walkTree(root: string, o: WalkOptions): Generator<WalkEntry> {
  return new Walker(o).walk(root);
}
