import fs from 'node:fs';
import path from 'node:path';
import { lgetxattr } from '../linux/libc.js';

/**
 * Filling an empty volume from the image, as Docker does the first time a volume is mounted
 * where the image has content: the image's directory at that path, as the container would
 * see it (the union of the layer snapshots, whiteouts and opaque directories honoured), is
 * copied into _data with owners and modes kept, and _data takes the directory's own owner
 * and mode. Done from the snapshots rather than inside the shim: the engine knows before
 * the container starts, a failure leaves no running container behind, and the shim stays
 * free of file-tree copying.
 *
 * Snapshots hold overlayfs whiteouts (layer/apply.ts): a 0/0 character device hides a name,
 * trusted.overlay.opaque=y on a directory hides everything below it in lower layers.
 */
function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(dir: string): boolean {
  return lgetxattr(dir, 'trusted.overlay.opaque')?.toString() === 'y';
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * The layers (top first) whose directory at `rel` shows through in the merged view; empty
 * when `rel` is not a directory there (a file, a symlink, deleted, or absent).
 */
export function visibleDirLayers(layersTopFirst: string[], rel: string): string[] {
  const parts = rel.split('/').filter((p) => p !== '');
  const out: string[] = [];
  for (const layer of layersTopFirst) {
    let hidesBelow = false;
    let present = true;
    for (let i = 1; i <= parts.length; i++) {
      const p = path.join(layer, ...parts.slice(0, i));
      const st = lstatOrUndefined(p);
      if (!st) {
        present = false;
        break;
      }
      if (!st.isDirectory()) {
        // a whiteout or a non-directory hides this path in every lower layer
        if (out.length === 0 && !isWhiteout(st) && i === parts.length) return []; // the top is a file or symlink: nothing to seed
        return out;
      }
      if (isOpaque(p)) hidesBelow = true;
    }
    if (present) out.push(path.join(layer, ...parts));
    if (hidesBelow) break;
  }
  return out;
}

/** Copy the merged directory made of `dirs` (top first) into `dest`, which exists. */
function mergeInto(dirs: string[], dest: string): void {
  const seen = new Set<string>();
  for (let i = 0; i < dirs.length; i++) {
    for (const name of fs.readdirSync(dirs[i]!)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const src = path.join(dirs[i]!, name);
      const st = fs.lstatSync(src);
      if (isWhiteout(st)) continue;
      const to = path.join(dest, name);
      if (st.isDirectory()) {
        fs.mkdirSync(to);
        // lower layers' directories of the same name merge, unless this one is opaque
        const lower = isOpaque(src) ? [] : dirs.slice(i + 1).map((d) => path.join(d, name)).filter((d) => lstatOrUndefined(d)?.isDirectory());
        mergeInto([src, ...lower], to);
      } else if (st.isFile()) fs.copyFileSync(src, to);
      else if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), to);
      else continue; // device nodes, fifos, sockets: not volume content
      keepOwnerAndMode(to, st);
    }
  }
}

function keepOwnerAndMode(p: string, st: fs.Stats): void {
  fs.lchownSync(p, st.uid, st.gid);
  if (!st.isSymbolicLink()) fs.chmodSync(p, st.mode & 0o7777);
  fs.lutimesSync(p, st.atime, st.mtime);
}

/**
 * Seed `data` (an empty volume directory) from the image's `containerPath`. Returns false when
 * the image has no directory there (the volume stays empty, as Docker leaves it).
 */
export function seedFromLayers(lowerDirsBottomFirst: string[], containerPath: string, data: string): boolean {
  const dirs = visibleDirLayers([...lowerDirsBottomFirst].reverse(), containerPath);
  if (dirs.length === 0) return false;
  mergeInto(dirs, data);
  keepOwnerAndMode(data, fs.lstatSync(dirs[0]!));
  return true;
}
