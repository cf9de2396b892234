import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTar } from '../../../src/layer/extract.js';
import { MiniboxError } from '../../../src/util/errors.js';
import { buildTar, recordingFs, streamOf, tempBase } from './helpers.js';
import type { Spec } from './helpers.js';

/**
 * Hostile archives. Layout: <base>/root is extracted into, <base>/sentinel must stay
 * empty, <base>/outside/secret must stay untouched (content, mode, link count), and
 * <base> must hold nothing else afterwards.
 */
let base: string;
let root: string;
let sentinel: string;
let secret: string;

beforeEach(() => {
  base = tempBase();
  root = path.join(base, 'root');
  sentinel = path.join(base, 'sentinel');
  secret = path.join(base, 'outside', 'secret');
  fs.mkdirSync(root);
  fs.mkdirSync(sentinel);
  fs.mkdirSync(path.dirname(secret));
  fs.writeFileSync(secret, 'secret', { mode: 0o600 });
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

// `inside`: a path under root that must exist afterwards; `<base>` stands for the temp
// base (unknown when this table is built) without its leading slash.
type Case = { name: string; specs: (b: string) => Spec[]; rejects?: RegExp; inside?: string };

const cases: Case[] = [
  { name: '../evil', specs: () => [{ name: '../evil', body: 'x' }], rejects: /"\.\.\/evil" escapes/ },
  { name: 'a/../../evil', specs: () => [{ name: 'a/../../sentinel/evil', body: 'x' }], rejects: /escapes/ },
  { name: '/abs/path is made relative', specs: () => [{ name: '/abs/path', body: 'x' }], inside: 'abs/path' },
  {
    name: 'symlink a -> /etc then a/passwd',
    specs: () => [{ name: 'a', type: 'symlink', linkname: '/etc' }, { name: 'a/passwd', body: 'pwned' }],
    inside: 'etc/passwd',
  },
  {
    name: 'symlink a -> ../../.. then a/x',
    specs: () => [{ name: 'a', type: 'symlink', linkname: '../../..' }, { name: 'a/x', body: 'pwned' }],
    inside: 'x',
  },
  {
    name: 'symlink a -> ../sentinel then a/x',
    specs: () => [{ name: 'a', type: 'symlink', linkname: '../sentinel' }, { name: 'a/x', body: 'pwned' }],
    inside: 'sentinel/x',
  },
  {
    name: 'symlink a -> <abs sentinel> then a/x, a/d/, a/l, a/.wh.y',
    specs: (b) => [
      { name: 'a', type: 'symlink', linkname: path.join(b, 'sentinel') },
      { name: 'a/x', body: 'pwned' },
      { name: 'a/d/', type: 'directory' },
      { name: 'a/l', type: 'symlink', linkname: '/' },
      { name: 'a/.wh.y', body: '' },
    ],
    inside: '<base>/sentinel/x',
  },
  {
    name: 'chained symlinks b -> a -> .. then b/x',
    specs: () => [
      { name: 'a', type: 'symlink', linkname: '..' },
      { name: 'b', type: 'symlink', linkname: 'a/..' },
      { name: 'b/x', body: 'pwned' },
    ],
    inside: 'x',
  },
  {
    name: 'symlink loop',
    specs: () => [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'a/x', body: 'pwned' },
    ],
    rejects: /too many levels of symlinks/,
  },
  {
    name: 'file over a symlink to the secret',
    specs: (b) => [
      { name: 'f', type: 'symlink', linkname: path.join(b, 'outside/secret') },
      { name: 'f', body: 'pwned', mode: 0o777 },
    ],
    inside: 'f',
  },
  {
    name: 'file over a dangling symlink to the sentinel',
    specs: (b) => [
      { name: 'f', type: 'symlink', linkname: path.join(b, 'sentinel/new') },
      { name: 'f', body: 'pwned' },
    ],
    inside: 'f',
  },
  {
    name: 'directory over a symlink to outside',
    specs: (b) => [
      { name: 'd', type: 'symlink', linkname: path.join(b, 'outside') },
      { name: 'd', type: 'directory', mode: 0o777 },
      { name: 'd/secret', body: 'pwned' },
    ],
    inside: 'd/secret',
  },
  {
    name: 'hardlink to ../../etc/passwd',
    specs: () => [{ name: 'h', type: 'link', linkname: '../../etc/passwd' }],
    rejects: /escapes/,
  },
  {
    name: 'hardlink through a symlinked dir (absolute)',
    specs: (b) => [
      { name: 'd', type: 'symlink', linkname: path.join(b, 'outside') },
      { name: 'h', type: 'link', linkname: 'd/secret' },
    ],
    rejects: /does not exist/,
  },
  {
    name: 'hardlink through a symlinked dir (relative)',
    specs: () => [
      { name: 'd', type: 'symlink', linkname: '../outside' },
      { name: 'h', type: 'link', linkname: 'd/secret' },
    ],
    rejects: /does not exist/,
  },
  {
    name: 'hardlink through a symlink to /etc',
    specs: () => [
      { name: 'd', type: 'symlink', linkname: '/etc' },
      { name: 'h', type: 'link', linkname: 'd/passwd' },
    ],
    rejects: /does not exist/,
  },
  {
    name: 'whiteout of ..',
    specs: () => [{ name: 'a/.wh...', body: '' }],
    rejects: /invalid whiteout/,
  },
  {
    name: 'opaque marker under a symlink to outside',
    specs: (b) => [
      { name: 'd', type: 'symlink', linkname: path.join(b, 'outside') },
      { name: 'd/.wh..wh..opq', body: '' },
    ],
    inside: '<base>/outside',
  },
];

const passwdBefore = fs.readFileSync('/etc/passwd');

describe('extractTar confinement', () => {
  it.each(cases)('$name', async (c) => {
    const lfs = recordingFs(root);
    const run = extractTar(streamOf(await buildTar(c.specs(base))), root, { fs: lfs });
    if (c.rejects) {
      await expect(run).rejects.toThrow(MiniboxError);
      await expect(run).rejects.toThrow(c.rejects);
    } else {
      await run;
      const inside = path.join(root, (c.inside ?? '').replace('<base>', base.slice(1)));
      expect(fs.existsSync(inside), `expected ${inside}`).toBe(true);
    }
    for (const call of lfs.calls) expect(call.path.startsWith('..')).toBe(false);
    expect(fs.readdirSync(sentinel)).toEqual([]);
    expect(fs.readdirSync(base).sort()).toEqual(['outside', 'root', 'sentinel']);
    expect(fs.readdirSync(path.dirname(secret))).toEqual(['secret']);
    const st = fs.statSync(secret);
    expect([fs.readFileSync(secret, 'utf8'), st.mode & 0o777, st.nlink]).toEqual(['secret', 0o600, 1]);
    expect(fs.statSync(path.dirname(secret)).mode & 0o777).not.toBe(0o777);
    expect(fs.readFileSync('/etc/passwd').equals(passwdBefore)).toBe(true);
  });
});
