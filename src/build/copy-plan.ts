import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import { checksumOf, hasWildcard, matchSource, walkTree, type SourceTree, type TreeEntry } from './source-tree.js';

/**
 * What a COPY (or a local ADD) puts where, as Docker's copier decides it: sources relative to
 * the context root (or the --from image's root), never outside it; a directory source copies
 * its contents; several sources need a destination ending in `/`; a relative destination is
 * under WORKDIR. The plan lays the files out below one directory of the image (`destDir`,
 * the layer's prefix), and carries the checksum the cache key is made of
 * (`file:<hex>`, `dir:<hex>`, `multi:<hex>` as in Docker's history line).
 */
export interface CopyItem {
  to: string; // relative to destDir
  entry: TreeEntry;
}

export interface CopyPlan {
  destDir: string; // absolute in the image
  items: CopyItem[]; // parents before children
  sourceHash: string; // file:<hex> | dir:<hex> | multi:<hex>
}

export interface CopyRequest {
  keyword: 'COPY' | 'ADD';
  sources: string[]; // expanded, as written
  dest: string; // expanded, as written
  workdir: string | undefined;
  fromContext: boolean; // the build context (its error wording), not an image
}

/** A source as a tree path: cleaned, relative; `..` that leaves the root refused as Docker does. */
export function cleanSource(src: string, fromContext: boolean): string {
  const cleaned = path.posix.normalize(`/${src}`).slice(1);
  const joined = path.posix.normalize(src);
  if (fromContext && (joined === '..' || joined.startsWith('../'))) {
    throw new MiniboxError(`forbidden path outside the build context: ${src} ()`, 1);
  }
  return cleaned.replace(/\/$/, '');
}

function destPath(dest: string, workdir: string | undefined): string {
  const abs = path.posix.isAbsolute(dest) ? dest : path.posix.join(workdir || '/', dest);
  return path.posix.normalize(abs).replace(/(.)\/+$/, '$1');
}

export function planCopy(req: CopyRequest, tree: SourceTree, isDirInImage: (abs: string) => boolean): CopyPlan {
  if (req.sources.length === 0) throw new MiniboxError(`${req.keyword} requires at least two arguments`, 1);
  const matched: Array<{ src: string; paths: string[] }> = req.sources.map((src) => {
    const cleaned = cleanSource(src, req.fromContext);
    const paths = matchSource(tree, cleaned);
    if (paths.length === 0) {
      if (hasWildcard(cleaned)) throw new MiniboxError(`${req.keyword} failed: no source files were specified`, 1);
      throw new MiniboxError(`${req.keyword} failed: file not found in build context or excluded by .dockerignore: stat ${src}: file does not exist`, 1);
    }
    return { src, paths };
  });
  const all = matched.flatMap((m) => m.paths);
  const dest = destPath(req.dest, req.workdir);
  const many = all.length > 1;
  const endsWithSlash = req.dest.endsWith('/') || req.dest.endsWith('/.') || req.dest === '.';
  if (many && !endsWithSlash) {
    throw new MiniboxError(`When using ${req.keyword} with more than one source file, the destination must be a directory and end with a /`, 1);
  }
  const single = all.length === 1 ? tree.stat(all[0] ?? '') : undefined;
  const intoDir = many || endsWithSlash || single?.type === 'dir' || isDirInImage(dest);
  const destDir = intoDir ? dest : path.posix.dirname(dest);
  const items: CopyItem[] = [];
  const hashed: Array<[string, TreeEntry]> = [];
  for (const p of all) {
    const top = tree.stat(p);
    if (!top) continue;
    if (top.type === 'dir') {
      for (const [rel, e] of walkTree(tree, p)) {
        const below = rel === p ? '' : rel.slice(p === '' ? 0 : p.length + 1);
        hashed.push([`${p}:${below}`, e]);
        if (below !== '') items.push({ to: below, entry: e });
      }
    } else {
      const name = intoDir ? path.posix.basename(p) : path.posix.basename(dest);
      hashed.push([`${p}:`, top]);
      items.push({ to: name, entry: top });
    }
  }
  const hex = checksumOf(hashed);
  const kind = many ? 'multi' : single?.type === 'dir' ? 'dir' : 'file';
  return { destDir, items, sourceHash: `${kind}:${hex}` };
}
