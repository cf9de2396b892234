import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStateRoot, minibox, REPO } from '../helpers/minibox.js';

/**
 * bin/minibox runs the one-file bundle through V8's code cache, one cache per command
 * (dist/bundle/cache/<command>.v8): written when missing or rejected, never after a usage
 * error, and a bad cache costs time, not correctness.
 */
const BUNDLE = path.join(REPO, 'dist', 'bundle', 'minibox.cjs');
const cacheOf = (word: string) => path.join(REPO, 'dist', 'bundle', 'cache', `${word}.v8`);

let root: string;
let cleanup: () => void;
beforeAll(() => ({ root, cleanup } = makeStateRoot()));
afterAll(() => cleanup());

describe('the bundled CLI and its code cache', () => {
  it('is built (setup builds it; without it bin/minibox falls back to dist/cli)', () => {
    expect(existsSync(BUNDLE)).toBe(true);
  });

  it('writes a command its cache after it succeeds', async () => {
    rmSync(cacheOf('images'), { force: true });
    const r = await minibox(['images'], { root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID/);
    expect(readFileSync(cacheOf('images')).length).toBeGreaterThan(10_000);
  });

  it('replaces a corrupt cache and still runs', async () => {
    writeFileSync(cacheOf('images'), 'not a V8 code cache');
    const r = await minibox(['images'], { root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^REPOSITORY/);
    expect(readFileSync(cacheOf('images'), 'utf8')).not.toBe('not a V8 code cache');
  });

  it('leaves no cache for a mistyped command', async () => {
    // first, in this same setup, a real command does write its cache: without this the
    // check below would pass just as well if caches were never written at all
    rmSync(cacheOf('ps'), { force: true });
    const ok = await minibox(['ps', '-a'], { root });
    expect(ok.code).toBe(0);
    expect(existsSync(cacheOf('ps'))).toBe(true);

    rmSync(cacheOf('imagez'), { force: true });
    const r = await minibox(['imagez'], { root });
    expect(r.code).toBe(125);
    expect(existsSync(cacheOf('imagez'))).toBe(false);
  });

  it('prints usage for --help of every command, run included (whose -h is --hostname)', async () => {
    for (const args of [['run', '--help'], ['build', '--help'], ['attach', '--help'], ['push', '--help'], ['pause', '--help']]) {
      const r = await minibox(args, { root });
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 0]);
      expect(r.stdout).toMatch(new RegExp(`^Usage: minibox ${args[0]} `));
    }
  });
});
