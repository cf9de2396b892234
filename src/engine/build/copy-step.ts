import fs from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../../util/errors.js';
import type { StatePaths } from '../../util/paths.js';
import { ensureStoreDir } from '../../util/paths.js';
import { scratchName } from '../../image/tmp-dirs.js';
import { nativePackFs } from '../../layer/pack-walk.js';
import { type ArchiveFormat, sniffArchive, unpackArchive } from '../../layer/archive.js';
import { nativeLayerFs } from '../../linux/native-layer-fs.js';
import { checkFlags, parseJsonForm, splitFlags, splitWords, type Instruction } from '../../build/dockerfile.js';
import { expandWord, type Lookup } from '../../build/shell-words.js';
import { entryOf, layeredTree, type SourceTree } from '../../build/source-tree.js';
import { planCopy, type CopyPlan } from '../../build/copy-plan.js';
import { parseChmod, stageCopy, type Ownership } from '../../build/staging.js';
import { resolveChown } from '../../build/chown.js';
import { shellOf } from '../../build/image-state.js';
import type { ImageState } from './step-image.js';

/**
 * COPY and ADD: the sources (the context, an earlier stage or an image for --from, a URL
 * for ADD) planned by build/copy-plan.ts, laid out in a scratch dir (build/staging.ts) that
 * becomes the step's layer under the destination. A local tar archive given to ADD is
 * unpacked there instead (layer/archive.ts: plain, gzip, bzip2, xz or zstd tar, told by
 * magic bytes as Docker does). What the
 * cache key needs (the content checksum, the flags) comes back with the staging dir.
 */
export interface CopyStepInput {
  ins: Instruction;
  escape: string;
  lookup: Lookup;
  parent: ImageState;
  context: SourceTree;
  fromTree: (ref: string) => Promise<SourceTree>; // --from=stage|image
}

export interface PreparedCopy {
  createdBy: string;
  extra: object; // for the cache key: flags that do not show in the history line
  stage(dir: string): Promise<void>; // lay the files out in dir (only on a cache miss)
  prefix: string; // the layer's prefix: the destination dir
  cleanup(): Promise<void>;
}

const isOpaque = (abs: string): boolean => nativePackFs.lgetxattr(abs, 'trusted.overlay.opaque')?.toString() === 'y';

export function imageTree(snapshotDirs: readonly string[]): SourceTree {
  return layeredTree(snapshotDirs, isOpaque);
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** ADD URL: fetched into a scratch dir of its own, as a one-file tree (mode 0600, as Docker's). */
async function fetchUrl(url: string, dir: string): Promise<{ tree: SourceTree; name: string }> {
  const { default: fetch } = await import('node-fetch');
  const res = await fetch(url).catch((err: unknown) => {
    throw new MiniboxError(`failed to GET ${url}: ${err instanceof Error ? err.message : String(err)}`, 1);
  });
  if (!res.ok) throw new MiniboxError(`failed to GET ${url} with status ${res.status}: ${res.statusText}`, 1);
  const name = path.posix.basename(new URL(url).pathname) || 'index.html';
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()), { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  const modified = res.headers.get('last-modified');
  if (modified && !Number.isNaN(Date.parse(modified))) fs.utimesSync(file, new Date(modified), new Date(modified));
  const tree: SourceTree = {
    stat: (rel) => (rel === name ? entryOf(file, fs.lstatSync(file)) : rel === '' ? entryOf(dir, fs.lstatSync(dir)) : undefined),
    children: (rel) => (rel === '' ? [name] : []),
  };
  return { tree, name };
}

function readEtc(tree: SourceTree): (name: 'passwd' | 'group') => string | undefined {
  return (name) => {
    const e = tree.stat(`etc/${name}`);
    return e?.type === 'file' ? fs.readFileSync(e.abs, 'utf8') : undefined;
  };
}

export async function prepareCopy(paths: StatePaths, input: CopyStepInput): Promise<PreparedCopy> {
  const { ins } = input;
  const keyword = ins.keyword === 'ADD' ? 'ADD' : 'COPY';
  const { flags, rest } = splitFlags(ins.args);
  checkFlags(keyword, flags, keyword === 'COPY' ? ['from', 'chown', 'chmod', 'link'] : ['chown', 'chmod', 'link']);
  const words = (parseJsonForm(rest) ?? splitWords(rest, input.escape)).map((w) => expandWord(w, input.lookup, input.escape));
  if (words.length < 2) throw new MiniboxError(`${keyword} requires at least two arguments, but only ${words.length} provided`, 1);
  const dest = words[words.length - 1] ?? '';
  let sources = words.slice(0, -1);
  const flag = (n: string): string | undefined => {
    const v = flags.get(n);
    if (v === true) throw new MiniboxError(`missing a value on flag: ${n}`, 1);
    return v === undefined ? undefined : expandWord(v, input.lookup, input.escape);
  };
  const from = flag('from');
  const chown = flag('chown');
  const chmodText = flag('chmod');
  const chmod = chmodText !== undefined ? parseChmod(chmodText) : undefined;
  const image = imageTree(input.parent.snapshotDirs);
  const owner: Ownership = chown !== undefined ? resolveChown(chown, readEtc(image)) : { uid: 0, gid: 0 };
  const scratch: string[] = [];
  const cleanup = async () => {
    for (const d of scratch) await fs.promises.rm(d, { recursive: true, force: true });
  };
  try {
    let tree = from !== undefined ? await input.fromTree(from) : input.context;
    if (keyword === 'ADD' && sources.some(isUrl)) {
      if (sources.length > 1) throw new MiniboxError('ADD of a URL takes one source in minibox', 1);
      ensureStoreDir(paths, paths.tmp);
      const dir = path.join(paths.tmp, scratchName('build-url'));
      scratch.push(dir);
      const fetched = await fetchUrl(sources[0] ?? '', dir);
      tree = fetched.tree;
      sources = [fetched.name];
    }
    const workdir = input.parent.img.config.WorkingDir;
    const isDir = (abs: string) => image.stat(abs.slice(1))?.type === 'dir';
    let plan = planCopy({ keyword, sources, dest, workdir, fromContext: from === undefined }, tree, isDir);
    let archives = keyword === 'ADD' && from === undefined && tree === input.context ? await archiveItems(plan) : new Map<string, ArchiveFormat>();
    if (archives.size > 0 && !dest.endsWith('/')) {
      // an archive unpacks into its destination, which is a directory then (Docker)
      plan = planCopy({ keyword, sources, dest: `${dest}/`, workdir, fromContext: true }, tree, isDir);
      archives = await archiveItems(plan);
    }
    const existing = image.stat(plan.destDir.slice(1));
    const rootMeta = existing?.type === 'dir' ? { mode: existing.mode, uid: existing.uid, gid: existing.gid } : { mode: 0o755, ...owner };
    const srcLabel = archives.size > 0 ? plan.sourceHash.replace(/^[a-z]+:/, 'file:') : plan.sourceHash;
    return {
      createdBy: [...shellOf(input.parent.img.config), `#(nop) ${keyword} ${srcLabel} in ${dest} `].join(' '), // Docker's, trailing blank included
      extra: { chown: chown ?? '', chmod: chmodText ?? '', from: from ?? '', archives: [...archives.keys()] },
      prefix: plan.destDir,
      stage: async (dir) => {
        stageCopy({ ...plan, items: plan.items.filter((i) => !archives.has(i.to)) }, dir, { owner, ...(chmod !== undefined ? { chmod } : {}), rootMeta });
        for (const item of plan.items) {
          const format = archives.get(item.to);
          if (format !== undefined) await extractInto(item.entry.abs, format, dir, chown !== undefined ? owner : undefined);
        }
      },
      cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The items of an ADD that are local archives (unpacked rather than copied), with their format. */
async function archiveItems(plan: CopyPlan): Promise<Map<string, ArchiveFormat>> {
  const out = new Map<string, ArchiveFormat>();
  for (const item of plan.items) {
    if (item.entry.type !== 'file' || item.to.includes('/')) continue;
    const format = sniffArchive(item.entry.abs);
    if (format !== undefined) out.set(item.to, format);
  }
  return out;
}

async function extractInto(file: string, format: ArchiveFormat, dir: string, owner: Ownership | undefined): Promise<void> {
  await unpackArchive(file, format, dir, { fs: nativeLayerFs, sameOwner: true }, path.basename(file));
  if (owner) chownTree(dir, owner);
}

function chownTree(dir: string, owner: Ownership): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    fs.lchownSync(p, owner.uid, owner.gid);
    if (e.isDirectory()) chownTree(p, owner);
  }
}
