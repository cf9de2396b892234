import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { lgetxattr } from '../linux/libc.js';
import { INIT_LAYER_FILES } from './init-layer.js';

/**
 * `docker diff`: what a container changed, read from its overlay upper dir alone (so it works
 * on stopped containers). As Docker's overlay changes: a whiteout (char device 0:0) is a
 * delete; a path the image's layers already have is a change, any other an add; an opaque
 * dir is changed and everything under it added (the lower content is hidden); the parent of
 * an added or deleted path is changed. Sorted by path, as Docker sorts.
 */
export type ChangeKind = 'A' | 'C' | 'D';

export interface FsChange {
  kind: ChangeKind;
  path: string;
}

const OPAQUE_XATTR = 'trusted.overlay.opaque';

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(dir: string): boolean {
  return lgetxattr(dir, OPAQUE_XATTR)?.toString() === 'y';
}

/** Whether any of the image's layer snapshots has `rel` (lstat: a symlink counts as itself). */
function inLowerLayers(lowerDirs: readonly string[], rel: string): boolean {
  return lowerDirs.some((dir) => {
    try {
      lstatSync(path.join(dir, rel));
      return true;
    } catch {
      return false;
    }
  });
}

interface Walk {
  upper: string;
  lowerDirs: readonly string[];
  changes: Map<string, ChangeKind>;
}

function record(w: Walk, rel: string, kind: ChangeKind): void {
  w.changes.set(rel, kind);
  const parent = path.posix.dirname(rel);
  if (kind !== 'C' && parent !== '/' && !w.changes.has(parent)) w.changes.set(parent, 'C');
}

/** The runtime's placeholders (init-layer.ts), which diff never shows; diff's paths start with /. */
const INIT_LAYER = new Set(INIT_LAYER_FILES.map((f) => `/${f}`));

/** A dir the layers have, copied up: changed only if its own mode or owner differ. */
function ownMetadataChanged(w: Walk, rel: string, st: Stats): boolean {
  for (const dir of [...w.lowerDirs].reverse()) {
    try {
      const low = lstatSync(path.join(dir, rel));
      return low.mode !== st.mode || low.uid !== st.uid || low.gid !== st.gid;
    } catch {
      // not in this layer: look below
    }
  }
  return true;
}

/**
 * Walk `rel` (a dir in upper); `hidden` = under an opaque dir, where lower layers do not show.
 * Returns whether anything under it changed.
 */
function walkDir(w: Walk, rel: string, hidden: boolean): boolean {
  let changed = false;
  for (const name of readdirSync(path.join(w.upper, rel)).sort()) {
    const child = path.posix.join(rel, name);
    const full = path.join(w.upper, child);
    const st = lstatSync(full);
    if (isWhiteout(st)) {
      record(w, child, 'D');
    } else if (hidden || !inLowerLayers(w.lowerDirs, child)) {
      if (INIT_LAYER.has(child) && st.isFile()) continue;
      record(w, child, 'A');
      if (st.isDirectory()) walkDir(w, child, true);
    } else if (!st.isDirectory()) {
      record(w, child, 'C');
    } else {
      const opaque = isOpaque(full);
      // copied up only because something below changed: Docker shows it as changed then too
      if (walkDir(w, child, opaque) || opaque || ownMetadataChanged(w, child, st)) record(w, child, 'C');
      else continue;
    }
    changed = true;
  }
  return changed;
}

export function upperDirChanges(upper: string, lowerDirs: readonly string[]): FsChange[] {
  const w: Walk = { upper, lowerDirs, changes: new Map() };
  walkDir(w, '/', false);
  return [...w.changes.entries()]
    .map(([p, kind]) => ({ kind, path: p }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
