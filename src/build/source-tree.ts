import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { errnoCode, MiniboxError } from '../util/errors.js';

/**
 * Where COPY/ADD take files from, as one read-only tree: the build context (after
 * .dockerignore, see context.ts) or an image's layers merged the way overlayfs shows them
 * (COPY --from). Paths are relative, '/'-separated, '' for the root. Each entry says where
 * its bytes are on this host (`abs`), so staging copies without knowing which tree it read.
 */
export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  type: EntryType;
  mode: number; // permission bits incl. setuid/setgid/sticky
  uid: number;
  gid: number;
  size: number;
  link?: string; // a symlink's target
  mtimeMs: number;
  abs: string; // the path on this host
}

export interface SourceTree {
  stat(rel: string): TreeEntry | undefined;
  /** Names in a directory, sorted; [] for what is no directory. */
  children(rel: string): string[];
}

export function entryOf(abs: string, st: fs.Stats): TreeEntry {
  const type: EntryType = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  return {
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: type === 'file' ? st.size : 0,
    ...(type === 'symlink' ? { link: fs.readlinkSync(abs) } : {}),
    mtimeMs: st.mtimeMs,
    abs,
  };
}

function lstatOrUndefined(abs: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(abs);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** A whiteout in an unpacked layer: a 0/0 character device (layer/apply.ts makes them so). */
function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * An image's snapshot dirs (bottom → top) as the merged tree a container sees: the topmost
 * layer holding a path wins; a whiteout hides it below; an opaque directory hides what the
 * layers below hold inside it (`isOpaque` reads the trusted.overlay.opaque xattr).
 */
export function layeredTree(snapshotDirs: readonly string[], isOpaque: (abs: string) => boolean): SourceTree {
  const top = [...snapshotDirs].reverse();
  const stat = (rel: string): TreeEntry | undefined => {
    for (const dir of top) {
      const abs = path.join(dir, rel);
      const st = lstatOrUndefined(abs);
      if (!st) continue;
      if (isWhiteout(st)) return undefined;
      return entryOf(abs, st);
    }
    return undefined;
  };
  return {
    stat,
    children(rel) {
      const names = new Set<string>();
      const hidden = new Set<string>();
      for (const dir of top) {
        const abs = path.join(dir, rel);
        const st = lstatOrUndefined(abs);
        if (!st) continue;
        if (!st.isDirectory()) break; // a file or whiteout here hides the layers below
        for (const name of fs.readdirSync(abs)) {
          if (names.has(name) || hidden.has(name)) continue;
          const cst = lstatOrUndefined(path.join(abs, name));
          if (cst && isWhiteout(cst)) hidden.add(name);
          else names.add(name);
        }
        if (isOpaque(abs)) break;
      }
      return [...names].sort();
    },
  };
}

/** Every path at and below `rel`, parents first, sorted. */
export function walkTree(tree: SourceTree, rel: string): Array<[string, TreeEntry]> {
  const out: Array<[string, TreeEntry]> = [];
  const visit = (r: string) => {
    const e = tree.stat(r);
    if (!e) return;
    out.push([r, e]);
    if (e.type === 'dir') for (const name of tree.children(r)) visit(r === '' ? name : `${r}/${name}`);
  };
  visit(rel);
  return out;
}

/** Go's filepath.Match for one path component: `*`, `?`, `[a-z]`, `[^x]`, `\` escapes. */
export function componentMatcher(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new MiniboxError(`syntax error in pattern: ${pattern}`, 1);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i] ?? ''}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function hasWildcard(p: string): boolean {
  return /[*?[]/.test(p);
}

/** The tree paths a COPY source pattern names (cleaned, relative), sorted. */
export function matchSource(tree: SourceTree, cleaned: string): string[] {
  if (!hasWildcard(cleaned)) return tree.stat(cleaned) ? [cleaned] : [];
  let current = [''];
  for (const part of cleaned.split('/')) {
    const next: string[] = [];
    for (const base of current) {
      if (!hasWildcard(part)) {
        const p = base === '' ? part : `${base}/${part}`;
        if (tree.stat(p)) next.push(p);
        continue;
      }
      const re = componentMatcher(part);
      for (const name of tree.children(base)) if (re.test(name)) next.push(base === '' ? name : `${base}/${name}`);
    }
    current = next;
  }
  return current.sort();
}

function fileDigest(abs: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * The content checksum of what a COPY takes (Docker's cache key for ADD/COPY): per entry its
 * path below the source, type, mode, owner, size, link target and content — never its
 * mtime, so a touched but unchanged file still hits the cache.
 */
export function checksumOf(entries: ReadonlyArray<readonly [string, TreeEntry]>): string {
  const hash = createHash('sha256');
  for (const [rel, e] of entries) {
    const content = e.type === 'file' ? fileDigest(e.abs) : '';
    hash.update(`${JSON.stringify([rel, e.type, e.mode, e.uid, e.gid, e.size, e.link ?? '', content])}\n`);
  }
  return hash.digest('hex');
}
