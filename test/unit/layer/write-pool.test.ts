import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTar } from '../../../src/layer/extract.js';
import { buildTar, recordingFs, streamOf, tempBase } from './helpers.js';
import type { Spec } from './helpers.js';

// Ordering with regular files written by worker threads (and the same expectations
// without them, so both paths agree).
let base: string;
let root: string;
let lfs: ReturnType<typeof recordingFs>;

beforeEach(() => {
  base = tempBase();
  root = path.join(base, 'root');
  fs.mkdirSync(root);
  lfs = recordingFs(root);
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

const at = (p: string) => path.join(root, p);
const T = new Date('2001-02-03T04:05:06Z');
// Enough files ahead of the entry under test that some are still in flight.
const filler = (dir: string, n = 200): Spec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${dir}/f${i}`, body: `content ${i}\n`.repeat(i % 50) }));

describe.each([0, 1, 3])('extraction with %i writer threads', (workers) => {
  const extract = async (specs: Spec[]) => extractTar(streamOf(await buildTar(specs)), root, { fs: lfs, workers });

  it('hardlinks a file another worker just wrote', async () => {
    await extract([...filler('a'), { name: 'a/target', body: 'linked', mode: 0o750 }, ...filler('b'), { name: 'h', type: 'link', linkname: 'a/target' }]);
    const st = fs.statSync(at('a/target'));
    expect(fs.statSync(at('h')).ino).toBe(st.ino);
    expect(fs.readFileSync(at('h'), 'utf8')).toBe('linked');
    expect(st.mode & 0o7777).toBe(0o750);
  });

  it('replaces a file, then hardlinks to the replacement', async () => {
    await extract([{ name: 'f', body: 'one' }, ...filler('x', 50), { name: 'f', body: 'two', mode: 0o600 }, { name: 'h', type: 'link', linkname: 'f' }]);
    expect(fs.readFileSync(at('h'), 'utf8')).toBe('two');
    expect(fs.statSync(at('h')).ino).toBe(fs.statSync(at('f')).ino);
    expect(fs.statSync(at('f')).mode & 0o777).toBe(0o600);
  });

  it('whites out a file created earlier in the same layer', async () => {
    await extract([...filler('d'), { name: 'd/gone', body: 'x'.repeat(10_000) }, { name: 'd/.wh.gone', body: '' }]);
    expect(fs.statSync(at('d/gone')).size).toBe(0); // the recorder's placeholder
    expect(lfs.calls.map((c) => c.path)).toEqual(['d/gone']);
  });

  it('restores directory mtimes after all writers are done', async () => {
    await extract([{ name: 'd', type: 'directory', mtime: T }, { name: 'd/s', type: 'directory', mtime: T }, ...filler('d/s'), ...filler('d')]);
    expect(fs.statSync(at('d')).mtime.getTime()).toBe(T.getTime());
    expect(fs.statSync(at('d/s')).mtime.getTime()).toBe(T.getTime());
    expect(fs.readFileSync(at('d/s/f199'), 'utf8')).toBe('content 199\n'.repeat(49));
  });

  it('streams a large file across many batches', async () => {
    const big = Buffer.alloc(5_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    await extract([{ name: 'small', body: 's' }, { name: 'big', body: big, mode: 0o4755 }, { name: 'after', body: 'a' }]);
    expect(fs.readFileSync(at('big')).equals(big)).toBe(true);
    expect(fs.statSync(at('big')).mode & 0o7777).toBe(0o4755);
    expect(fs.readFileSync(at('after'), 'utf8')).toBe('a');
  });

  it('a file replacing a directory: later children see a file, as without workers', async () => {
    const run = extract([{ name: 'p/', type: 'directory' }, ...filler('p', 20), { name: 'p', body: 'file now' }, { name: 'p/x', body: 'y' }]);
    await expect(run).rejects.toThrow(/not a directory/);
  });

  it('keeps writes inside the root through symlinked parents', async () => {
    fs.mkdirSync(path.join(base, 'sentinel'));
    await extract([...filler('a', 20), { name: 'l', type: 'symlink', linkname: '../sentinel' }, { name: 'l/x', body: 'pwned' }]);
    expect(fs.readdirSync(path.join(base, 'sentinel'))).toEqual([]);
    expect(fs.readFileSync(at('sentinel/x'), 'utf8')).toBe('pwned');
  });

  it('reports a failed write with the entry name', async () => {
    // The final component is only ever touched by the writer: ENAMETOOLONG comes from it.
    const long = 'n'.repeat(300);
    const run = extract([{ name: 'plain', body: 'p' }, { name: `d/${long}`, body: 'c' }, ...filler('e', 20)]);
    await expect(run).rejects.toThrow(new RegExp(`"d/${long}".*ENAMETOOLONG`));
  });
});
