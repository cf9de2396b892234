import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packDirectory } from '../../../src/layer/pack.js';
import { unpackLayer } from '../../../src/layer/unpack.js';
import { lgetxattr, lsetxattr, mknod } from '../../../src/linux/libc.js';
import { nativeLayerFs } from '../../../src/linux/native-layer-fs.js';
import { tempBase } from './helpers.js';
import { CAP_NET_RAW, S_IFCHR, S_IFIFO } from './pack-fixtures.js';

/**
 * The writer against the project's extractor: any tree an overlay upper dir can hold —
 * files (setuid too, file capabilities), directories (opaque too), symlinks (dangling,
 * absolute), FIFOs, device nodes, whiteouts, hardlinks, owners, mtimes — packed and then
 * unpacked gives the same tree back, entry for entry.
 */

let base: string;
beforeEach(() => {
  base = tempBase();
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});


type Op =
  | { k: 'file'; body: Uint8Array; mode: number; cap: boolean }
  | { k: 'dir'; mode: number; opaque: boolean }
  | { k: 'symlink'; target: string }
  | { k: 'fifo' }
  | { k: 'char'; major: number; minor: number }
  | { k: 'whiteout' }
  | { k: 'hardlink'; to: number };

interface Step {
  parent: number; // index into the dirs made so far (0: the root)
  name: string;
  owner: [number, number];
  mtime: number;
  op: Op;
}

const name = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019_- .é', '😀', '\uffee'), minLength: 1, maxLength: 12 })
  .filter((n) => n !== '.' && n !== '..' && !n.startsWith('.wh.'));
const mode = fc.constantFrom(0o644, 0o600, 0o755, 0o4755, 0o2755, 0o1777, 0o444, 0o700);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('file' as const), body: fc.uint8Array({ maxLength: 3000 }), mode, cap: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('dir' as const), mode: fc.constantFrom(0o755, 0o700, 0o1777, 0o2775), opaque: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('symlink' as const), target: fc.oneof(name, fc.constant('/etc/passwd'), fc.constant('../x')) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fifo' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('char' as const), major: fc.integer({ min: 1, max: 300 }), minor: fc.integer({ min: 0, max: 70000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('whiteout' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('hardlink' as const), to: fc.nat() }) },
);
const step: fc.Arbitrary<Step> = fc.record({
  parent: fc.nat(),
  name,
  owner: fc.tuple(fc.constantFrom(0, 1, 1000, 65534), fc.constantFrom(0, 5, 1000)),
  mtime: fc.integer({ min: 0, max: 2_000_000_000 }),
  op,
});

/** Make the tree; returns nothing, the directory is the result. */
function materialise(root: string, steps: Step[]): void {
  const dirs = [root];
  const files: string[] = [];
  const times: Array<[string, number]> = [];
  for (const s of steps) {
    const dir = dirs[s.parent % dirs.length] ?? root;
    const p = path.join(dir, s.name);
    if (fs.existsSync(p) || fs.lstatSync(dir, { throwIfNoEntry: false }) === undefined) continue;
    const o = s.op;
    switch (o.k) {
      case 'file':
        fs.writeFileSync(p, o.body);
        fs.lchownSync(p, ...s.owner);
        fs.chmodSync(p, o.mode);
        if (o.cap && o.mode & 0o111) lsetxattr(p, 'security.capability', CAP_NET_RAW);
        files.push(p);
        break;
      case 'dir':
        fs.mkdirSync(p);
        fs.lchownSync(p, ...s.owner);
        fs.chmodSync(p, o.mode);
        if (o.opaque) lsetxattr(p, 'trusted.overlay.opaque', Buffer.from('y'));
        dirs.push(p);
        break;
      case 'symlink':
        fs.symlinkSync(o.target, p);
        fs.lchownSync(p, ...s.owner);
        break;
      case 'fifo':
        mknod(p, S_IFIFO | 0o644, 0, 0);
        fs.lchownSync(p, ...s.owner);
        fs.chmodSync(p, 0o644);
        break;
      case 'char':
        mknod(p, S_IFCHR | 0o600, o.major, o.minor);
        fs.lchownSync(p, ...s.owner);
        fs.chmodSync(p, 0o600);
        break;
      case 'whiteout':
        mknod(p, S_IFCHR, 0, 0);
        fs.lchownSync(p, ...s.owner);
        break;
      case 'hardlink': {
        const target = files[o.to % Math.max(1, files.length)];
        if (target === undefined) continue;
        fs.linkSync(target, p);
        break;
      }
    }
    if (o.k !== 'whiteout' && o.k !== 'hardlink') times.push([p, s.mtime]);
  }
  // deepest first, so making a child never moves a parent's time again
  for (const [p, t] of times.reverse()) fs.lutimesSync(p, t, t);
}

interface Seen {
  type: string;
  mode?: number;
  uid: number;
  gid: number;
  mtime?: number;
  content?: string;
  target?: string;
  rdev?: number;
  cap?: string;
  opaque?: boolean;
  linkGroup?: string;
}

/** Everything the layer must carry, per path; hardlinks as the sorted set of their names. */
function describeTree(root: string): Map<string, Seen> {
  const out = new Map<string, Seen>();
  const byInode = new Map<number, string[]>();
  const walk = (dir: string, rel: string): void => {
    for (const n of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, n);
      const r = `${rel}/${n}`;
      const st = fs.lstatSync(p);
      const base: Seen = { type: '', uid: st.uid, gid: st.gid };
      if (st.isCharacterDevice() && st.rdev === 0) out.set(r, { ...base, type: 'whiteout' });
      else if (st.isDirectory()) {
        out.set(r, { ...base, type: 'dir', mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), opaque: lgetxattr(p, 'trusted.overlay.opaque')?.toString() === 'y' });
        walk(p, r);
      } else if (st.isSymbolicLink()) out.set(r, { ...base, type: 'symlink', target: fs.readlinkSync(p), mtime: Math.floor(st.mtimeMs / 1000) });
      else {
        const e: Seen = { ...base, type: st.isFile() ? 'file' : st.isFIFO() ? 'fifo' : 'char', mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) };
        if (st.isFile()) {
          e.content = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
          const cap = lgetxattr(p, 'security.capability');
          if (cap) e.cap = cap.toString('hex');
          if (st.nlink > 1) byInode.set(st.ino, [...(byInode.get(st.ino) ?? []), r]);
        }
        if (st.isCharacterDevice()) e.rdev = st.rdev;
        out.set(r, e);
      }
    }
  };
  walk(root, '');
  for (const group of byInode.values()) for (const r of group) {
    const e = out.get(r);
    if (e) e.linkGroup = group.sort().join(',');
  }
  return out;
}

describe('pack → unpack round trip', () => {
  it('gives back the same tree, and packing that again gives the same layer', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const dir = path.join(base, `run-${run++}`);
        const src = path.join(dir, 'src');
        const dest = path.join(dir, 'dest');
        fs.mkdirSync(src, { recursive: true });
        fs.mkdirSync(dest);
        materialise(src, steps);
        const packed = await packDirectory(src, path.join(dir, 'layer.tgz'), { kind: 'upper' });
        const { diffId } = await unpackLayer(fs.createReadStream(packed.file), 'gzip', dest, { fs: nativeLayerFs });
        expect(diffId).toBe(packed.diffId);
        expect(describeTree(dest)).toEqual(describeTree(src));
        // byte for byte too, but for the whiteouts' own mtimes (the extractor makes them anew): clamped away
        const first = await packDirectory(src, path.join(dir, 'first.tgz'), { kind: 'upper', epoch: 0 });
        const again = await packDirectory(dest, path.join(dir, 'again.tgz'), { kind: 'upper', epoch: 0 });
        expect(again.digest).toBe(first.digest);
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
