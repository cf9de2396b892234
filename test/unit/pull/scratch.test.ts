import { promises as fs, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ownerAlive, ownerToken, removeStaleScratch, scratchName, STALE_AFTER_MS } from '../../../src/image/tmp-dirs.js';
import { statePaths, type StatePaths } from '../../../src/util/paths.js';

let root: string;
let paths: StatePaths;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'scratch-test-'));
  paths = statePaths(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('scratch directories carry their owner', () => {
  it('names this process, which is alive; a dead or recycled pid is not', () => {
    expect(scratchName('pull')).toMatch(new RegExp(`^pull-${ownerToken().replace('.', '\\.')}-[0-9a-f]{12}$`));
    expect(ownerAlive(scratchName('pull'))).toBe(true);
    expect(ownerAlive(`pull-${process.pid}.1-abc`)).toBe(false); // same pid, other start time
    expect(ownerAlive('pull-4194303.5-abc')).toBe(false);
    expect(ownerAlive('load-0123abcd')).toBeUndefined();
  });

  it('removes dead owners\' and old ownerless scratch, keeps live and recent ones', async () => {
    const hex = 'a'.repeat(64);
    const mk = async (dir: string, name: string): Promise<string> => {
      const p = path.join(dir, name);
      await fs.mkdir(p, { recursive: true });
      return p;
    };
    const live = await mk(paths.tmp, scratchName('pull'));
    const dead = await mk(paths.tmp, 'pull-4194303.5-abcdef');
    const recent = await mk(paths.tmp, 'load-0123abcd');
    const old = await mk(paths.tmp, 'blob-4567cdef');
    const t = (Date.now() - STALE_AFTER_MS - 1000) / 1000;
    utimesSync(old, t, t);
    const snapLive = await mk(paths.snapshots, `${hex}.${scratchName('tmp')}`);
    const snapDead = await mk(paths.snapshots, `${hex}.tmp-4194303.5-abcdef`);
    const snapshot = await mk(paths.snapshots, hex);
    const removed = await removeStaleScratch(paths);
    expect(removed.sort()).toEqual([dead, old, snapDead].sort());
    for (const p of [live, recent, snapLive, snapshot]) await expect(fs.stat(p)).resolves.toBeDefined();
  });
});
