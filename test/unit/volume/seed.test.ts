import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, symlinkSync, chmodSync, chownSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { seedFromLayers, visibleDirLayers } from '../../../src/volume/seed.js';
import { lsetxattr } from '../../../src/linux/libc.js';

/** Seeding from layer snapshots with overlayfs whiteouts (0/0 char devices) and opaque dirs. */
let tmp: string;
const L = (n: string) => path.join(tmp, n);
const whiteout = (p: string) => expect(spawnSync('mknod', [p, 'c', '0', '0']).status).toBe(0);
const opaque = (p: string) => lsetxattr(p, 'trusted.overlay.opaque', Buffer.from('y'));

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'volume-seed-'));
  for (const l of ['l1', 'l2', 'l3', 'out']) mkdirSync(L(l));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('seedFromLayers', () => {
  it('copies the merged directory: upper names win, whiteouts hide, owners and modes kept', () => {
    mkdirSync(L('l1/data/sub'), { recursive: true });
    writeFileSync(L('l1/data/old'), 'old');
    writeFileSync(L('l1/data/both'), 'lower');
    writeFileSync(L('l1/data/sub/x'), 'x');
    mkdirSync(L('l2/data'));
    chmodSync(L('l2/data'), 0o750);
    chownSync(L('l2/data'), 1000, 1001);
    writeFileSync(L('l2/data/both'), 'upper', { mode: 0o600 });
    chownSync(L('l2/data/both'), 7, 8);
    whiteout(L('l2/data/old'));
    symlinkSync('both', L('l2/data/link'));
    expect(seedFromLayers([L('l1'), L('l2')], '/data', L('out'))).toBe(true);
    expect(readdirSync(L('out')).sort()).toEqual(['both', 'link', 'sub']);
    expect(readFileSync(L('out/both'), 'utf8')).toBe('upper');
    const st = statSync(L('out/both'));
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o600, 7, 8]);
    const root = statSync(L('out'));
    expect([root.mode & 0o777, root.uid, root.gid]).toEqual([0o750, 1000, 1001]);
    expect(lstatSync(L('out/link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(L('out/sub/x'), 'utf8')).toBe('x');
  });

  it('an opaque directory hides the lower layers', () => {
    mkdirSync(L('l1/data'));
    writeFileSync(L('l1/data/hidden'), 'h');
    mkdirSync(L('l2/data'));
    writeFileSync(L('l2/data/new'), 'n');
    opaque(L('l2/data'));
    expect(seedFromLayers([L('l1'), L('l2')], '/data', L('out'))).toBe(true);
    expect(readdirSync(L('out'))).toEqual(['new']);
  });

  it('nothing to seed where the image has no directory: absent, deleted, or a file', () => {
    expect(seedFromLayers([L('l1')], '/data', L('out'))).toBe(false);
    mkdirSync(L('l1/data'));
    whiteout(L('l2/data'));
    expect(visibleDirLayers([L('l2'), L('l1')], '/data')).toEqual([]);
    writeFileSync(L('l3/data'), 'file');
    expect(visibleDirLayers([L('l3'), L('l1')], '/data')).toEqual([]);
    expect(visibleDirLayers([L('l1')], '/data')).toEqual([L('l1/data')]);
  });

  it('a whited-out parent hides the path in lower layers', () => {
    mkdirSync(L('l1/srv/data'), { recursive: true });
    mkdirSync(L('l3/srv/data'), { recursive: true });
    whiteout(L('l2/srv'));
    expect(visibleDirLayers([L('l3'), L('l2'), L('l1')], '/srv/data')).toEqual([L('l3/srv/data')]);
  });
});
