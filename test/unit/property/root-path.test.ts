import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RootResolver, cleanName } from '../../../src/layer/root-path.js';
import { MiniboxError } from '../../../src/util/errors.js';

/**
 * Properties of the extractor's path confinement (src/layer/root-path.ts): for arbitrary
 * component sequences — `..`, `.`, empty, absolute — and arbitrary symlinks planted inside
 * the root first (pointing up, absolute, at each other, in loops), a resolved directory is
 * always a real directory inside the root, reached without following any symlink out of it,
 * and nothing is created outside. Each run gets a fresh root next to a sentinel directory.
 */
const RUNS = { numRuns: 200 };

let base: string;
beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-test-prop-')));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const part = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c', 'l0', 'l1', 'l2') },
  { weight: 3, arbitrary: fc.constantFrom('..', '.', '') },
  { weight: 1, arbitrary: fc.constantFrom('sentinel', 'etc', '...', 'a b') },
);
const relPath = fc.array(part, { maxLength: 8 }).map((ps) => ps.join('/'));
const anyPath = fc.oneof(relPath, relPath.map((p) => `/${p}`), fc.constant('../sentinel'), fc.constant('/'));

/** Symlinks l0..l2 and plain dirs, planted at random places inside the root. */
const plant = fc.array(
  fc.record({ at: fc.constantFrom('', 'a', 'a/b', 'c'), name: fc.constantFrom('l0', 'l1', 'l2', 'a', 'b'), target: anyPath, dir: fc.boolean() }),
  { maxLength: 6 },
);

let n = 0;
function freshRoot(): { root: string; sentinel: string } {
  const dir = path.join(base, String(n++));
  const root = path.join(dir, 'root');
  const sentinel = path.join(dir, 'sentinel');
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(sentinel);
  return { root, sentinel };
}

/** The real directory `at` under root, made if missing; null if a planted link or file is on the way. */
function realDir(root: string, at: string): string | null {
  let dir = root;
  for (const c of at.split('/').filter((x) => x !== '')) {
    dir = path.join(dir, c);
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (st === undefined) fs.mkdirSync(dir);
    else if (!st.isDirectory()) return null;
  }
  return dir;
}

function plantAll(root: string, items: Array<{ at: string; name: string; target: string; dir: boolean }>): void {
  for (const it of items) {
    // plant only under real directories of the root, never through a planted link
    const parent = realDir(root, it.at);
    if (parent === null) continue;
    const p = path.join(parent, it.name);
    if (fs.lstatSync(p, { throwIfNoEntry: false })) continue;
    if (it.dir) fs.mkdirSync(p);
    else fs.symlinkSync(it.target === '' ? '.' : it.target, p); // symlink(2) refuses an empty target
  }
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(`${root}/`);
}

describe('path confinement properties', () => {
  it('cleanName yields plain components or refuses with a MiniboxError', () => {
    fc.assert(
      fc.property(fc.oneof(anyPath, fc.string({ maxLength: 30 })), (name) => {
        let parts: string[];
        try {
          parts = cleanName(name);
        } catch (err) {
          expect(err).toBeInstanceOf(MiniboxError);
          return;
        }
        for (const p of parts) expect(p === '' || p === '.' || p === '..' || p.includes('/')).toBe(false);
        expect(path.posix.normalize(`/r/${parts.join('/')}`).startsWith('/r')).toBe(true);
      }),
      RUNS,
    );
  });

  it('resolveDir stays inside the root whatever the symlinks and components', () => {
    fc.assert(
      fc.property(plant, fc.array(part, { maxLength: 10 }), fc.boolean(), (items, parts, create) => {
        const { root, sentinel } = freshRoot();
        plantAll(root, items);
        const resolver = new RootResolver(root);
        let dir: string;
        try {
          dir = resolver.resolveDir(parts, 'entry', create);
        } catch (err) {
          expect(err).toBeInstanceOf(MiniboxError);
          expect(fs.readdirSync(sentinel)).toEqual([]);
          return;
        }
        expect(inside(root, dir), dir).toBe(true);
        // a real directory, and reached without any symlink on the way
        expect(fs.lstatSync(dir).isDirectory()).toBe(true);
        expect(fs.realpathSync(dir)).toBe(dir);
        // the same answer a second time (the cache agrees with the filesystem)
        expect(resolver.resolveDir(parts, 'entry', false)).toBe(dir);
        expect(fs.readdirSync(sentinel)).toEqual([]);
        expect(fs.readdirSync(path.dirname(root)).sort()).toEqual(['root', 'sentinel']);
      }),
      RUNS,
    );
  });
});
