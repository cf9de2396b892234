import fs from 'node:fs';
import path from 'node:path';
import * as dockerignore from '@balena/dockerignore';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { entryOf, type SourceTree, type TreeEntry } from './source-tree.js';

/**
 * The build context: the directory `build` was given, minus what `.dockerignore` excludes
 * (@balena/dockerignore, Docker's rules: `**`, `!` exceptions, the last matching line wins).
 * It is walked once at the start, as Docker's client tars it up: that walk gives the size
 * `Sending build context to Docker daemon` reports, and the tree COPY/ADD read from. An
 * excluded directory is still entered when an exception may re-include something in it.
 * `-` (a Dockerfile on stdin) is an empty context.
 */
export interface BuildContext {
  dir?: string;
  tree: SourceTree;
  size: number; // bytes of the tar the client would send
}

const BLOCK = 512;

/** The .dockerignore lines, cleaned as Docker's ReadAll does (comments and blanks dropped, leading / off). */
export function readIgnoreLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (line === '') continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = path.posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '') || '.';
    out.push(negate ? `!${line}` : line);
  }
  return out;
}

export type IgnoreMatcher = (rel: string) => boolean;

// a CommonJS module typed with `export default`: Node's ESM loader and esbuild both put module.exports on .default
type Factory = (options?: { ignorecase?: boolean }) => { add(patterns: string[]): { ignores(pathname: string): boolean } };
const ignoreFactory: Factory = (dockerignore as unknown as { default?: Factory }).default ?? (dockerignore as unknown as Factory);

export function ignoreMatcher(lines: readonly string[]): IgnoreMatcher {
  if (lines.length === 0) return () => false;
  const ig = ignoreFactory({ ignorecase: false }).add([...lines]);
  return (rel) => ig.ignores(rel);
}

function emptyTree(): SourceTree {
  return { stat: () => undefined, children: () => [] };
}

export function loadContext(dir: string | undefined): BuildContext {
  if (dir === undefined) return { tree: emptyTree(), size: 0 };
  let text = '';
  try {
    text = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const ignored = ignoreMatcher(readIgnoreLines(text));
  const hasExceptions = text.split(/\r?\n/).some((l) => l.trim().startsWith('!'));
  const entries = new Map<string, TreeEntry>();
  const children = new Map<string, string[]>();
  let size = BLOCK * 2; // the tar's end-of-archive blocks
  const walk = (rel: string): boolean => {
    const abs = rel === '' ? dir : path.join(dir, rel);
    const e = entryOf(abs, fs.lstatSync(abs));
    const excluded = rel !== '' && ignored(rel);
    if (e.type !== 'dir') {
      if (excluded) return false;
      entries.set(rel, e);
      size += BLOCK + Math.ceil(e.size / BLOCK) * BLOCK;
      return true;
    }
    if (excluded && !hasExceptions) return false;
    const kept: string[] = [];
    for (const name of fs.readdirSync(abs).sort()) if (walk(rel === '' ? name : `${rel}/${name}`)) kept.push(name);
    if (excluded && kept.length === 0) return false;
    entries.set(rel, e);
    children.set(rel, kept);
    if (rel !== '') size += BLOCK;
    return true;
  };
  try {
    walk('');
  } catch (err) {
    throw new MiniboxError(`error checking context: ${err instanceof Error ? err.message : String(err)}`, 1, { cause: err });
  }
  return {
    dir,
    size,
    tree: { stat: (rel) => entries.get(rel), children: (rel) => children.get(rel) ?? [] },
  };
}
