import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MiniboxError } from '../util/errors.js';
import { pathForm, resolveInRoot } from './cp-paths.js';
import { packEntries, unpackEntries, walkEntries, writeEntry, type Entry, type Owner } from './cp-copy.js';

/**
 * docker cp's path rules over a container root seen from the host (cp-paths.ts resolves
 * inside it). A file goes into an existing directory under its own name, or becomes DEST;
 * a directory becomes DEST when DEST is missing, goes into an existing one, or with
 * `SRC/.` gives only its content; DEST ending in `/` must be an existing directory.
 */
export interface CopyOptions {
  followLink: boolean; // -L
  archive: boolean; // -a
}

function statOrUndefined(p: string, follow: boolean): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(p) : fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Where the source's entries go: a directory to write into, or one exact target. */
interface Placement {
  base: string; // the path (host, or inside the container) the entry '' lands on
  contentsOnly: boolean;
}

function place(srcIsDir: boolean, srcGiven: string, dst: fs.Stats | undefined, dstGiven: string, dstPath: string): Placement {
  const src = pathForm(srcGiven);
  const dest = pathForm(dstGiven);
  if (!dst) {
    if (dest.trailingSlash && !srcIsDir) throw new MiniboxError(`destination directory ${dstGiven} must exist`, 1);
    return { base: dstPath, contentsOnly: false };
  }
  if (!dst.isDirectory()) {
    if (srcIsDir) throw new MiniboxError(`cannot copy a directory to a file: ${dstGiven}`, 1);
    return { base: dstPath, contentsOnly: false };
  }
  if (srcIsDir && src.contentsOnly) return { base: dstPath, contentsOnly: true };
  return { base: path.posix.join(dstPath, src.base), contentsOnly: false };
}

function checkSource(st: fs.Stats | undefined, given: string, missing: () => MiniboxError): fs.Stats {
  if (!st) throw missing();
  if (pathForm(given).trailingSlash && !st.isDirectory()) throw new MiniboxError(`${given}: not a directory`, 1);
  return st;
}

/** Entries with their placement applied: contents-only drops the top directory itself. */
function* placed(entries: Iterable<Entry>, contentsOnly: boolean): Generator<Entry> {
  for (const e of entries) if (!(contentsOnly && e.rel === '')) yield e;
}

function requireParent(dir: string, shown: string): void {
  if (!statOrUndefined(dir, true)?.isDirectory()) throw new MiniboxError(`${shown}: no such file or directory`, 1);
}

/** CONTAINER:SRC → host DEST, or a tar on the returned stream when DEST is `-`. */
export async function copyOut(root: string, srcGiven: string, dstGiven: string, container: string, o: CopyOptions): Promise<Readable | undefined> {
  const src = resolveInRoot(root, srcGiven, o.followLink);
  const st = checkSource(statOrUndefined(src.host, o.followLink), srcGiven, () => new MiniboxError(`Could not find the file ${srcGiven} in container ${container}`, 1));
  const form = pathForm(srcGiven);
  const entries = walkEntries(src.host, '', o.followLink);
  if (dstGiven === '-') return packEntries(placed(entries, st.isDirectory() && form.contentsOnly), form.contentsOnly ? '' : form.base);
  const dstPath = path.resolve(dstGiven);
  const p = place(st.isDirectory(), srcGiven, statOrUndefined(dstPath, true), dstGiven, dstPath);
  requireParent(path.dirname(p.base), path.dirname(p.base));
  const owner: Owner = { keep: o.archive };
  for (const e of placed(entries, p.contentsOnly)) await writeEntry(path.join(p.base, e.rel), e, owner);
  return undefined;
}

/** Write entries under `base` inside the container: each parent resolved in the root, chroot-style. */
async function writeInside(root: string, base: string, entries: Iterable<Entry> | AsyncIterable<Entry>, owner: Owner): Promise<void> {
  for await (const e of entries) await writeOneInside(root, base, e, owner);
}

async function writeOneInside(root: string, base: string, e: Entry, owner: Owner): Promise<void> {
  const inside = path.posix.join(base, e.rel);
  const parent = resolveInRoot(root, path.posix.dirname(inside), true);
  requireParent(parent.host, parent.inside);
  const name = path.posix.basename(inside);
  await writeEntry(name ? path.join(parent.host, name) : parent.host, e, owner);
}

/** Host SRC (or a tar on `input` when SRC is `-`) → CONTAINER:DEST. */
export async function copyIn(root: string, srcGiven: string, dstGiven: string, o: CopyOptions, input?: Readable): Promise<void> {
  const dst = resolveInRoot(root, dstGiven, true);
  const dstSt = statOrUndefined(dst.host, false);
  const owner: Owner = { keep: o.archive };
  if (srcGiven === '-') {
    if (!dstSt?.isDirectory()) throw new MiniboxError(`destination ${dstGiven} must be a directory`, 1);
    await unpackEntries(input as Readable, (e) => writeOneInside(root, dst.inside, e, owner));
    return;
  }
  const srcPath = path.resolve(srcGiven);
  const st = checkSource(statOrUndefined(srcPath, o.followLink), srcGiven, () => new MiniboxError(`lstat ${srcPath}: no such file or directory`, 1));
  const p = place(st.isDirectory(), srcGiven, dstSt, dstGiven, dst.inside);
  await writeInside(root, p.base, placed(walkEntries(srcPath, '', o.followLink), p.contentsOnly), owner);
}
