import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ignoreMatcher, loadContext, readIgnoreLines } from '../../../src/build/context.js';
import { planCopy } from '../../../src/build/copy-plan.js';
import { checksumOf, walkTree, layeredTree } from '../../../src/build/source-tree.js';
import { cacheKey } from '../../../src/build/cache.js';

/** The build context, .dockerignore, COPY planning and the content checksum the cache keys on. */
let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mbx-build-ctx-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text, { mode });
  fs.chmodSync(path.join(dir, rel), mode);
}

describe('.dockerignore', () => {
  it('matches as Docker: **, ! exceptions, the last matching line wins', () => {
    const m = ignoreMatcher(readIgnoreLines('# comment\n*.log\n!keep.log\n**/tmp\nsecret/\n/dist\n'));
    expect(m('a.log')).toBe(true);
    expect(m('keep.log')).toBe(false);
    expect(m('x/y/tmp')).toBe(true);
    expect(m('secret/key')).toBe(true);
    expect(m('dist')).toBe(true);
    expect(m('src/a.ts')).toBe(false);
    expect(ignoreMatcher(readIgnoreLines('!keep.log\n*.log\n'))('keep.log')).toBe(true);
  });

  it('leaves excluded files out of the context, and re-includes exceptions inside excluded dirs', () => {
    write('a.txt', 'a');
    write('debug.log', 'x');
    write('logs/x.log', 'x');
    write('docs/keep.md', 'k');
    write('docs/drop.md', 'd');
    write('.dockerignore', '*.log\nlogs\ndocs\n!docs/keep.md\n');
    const ctx = loadContext(dir);
    expect(ctx.tree.stat('a.txt')).toBeDefined();
    expect(ctx.tree.stat('debug.log')).toBeUndefined();
    expect(ctx.tree.stat('logs')).toBeUndefined();
    expect(ctx.tree.children('docs')).toEqual(['keep.md']);
    expect(ctx.size).toBeGreaterThan(0);
  });
});

describe('planCopy', () => {
  it('copies a directory\'s contents, a file to a name or into a dir, and globs', () => {
    write('src/a.txt', 'a');
    write('src/sub/b.txt', 'b');
    write('one.txt', '1');
    write('two.txt', '2');
    const tree = loadContext(dir).tree;
    const none = () => false;
    const d = planCopy({ keyword: 'COPY', sources: ['src'], dest: '/app', workdir: undefined, fromContext: true }, tree, none);
    expect(d.destDir).toBe('/app');
    expect(d.items.map((i) => i.to)).toEqual(['a.txt', 'sub', 'sub/b.txt']);
    expect(d.sourceHash).toMatch(/^dir:[0-9a-f]{64}$/);
    const f = planCopy({ keyword: 'COPY', sources: ['one.txt'], dest: '/etc/x.conf', workdir: undefined, fromContext: true }, tree, none);
    expect([f.destDir, f.items[0]?.to, f.sourceHash.slice(0, 5)]).toEqual(['/etc', 'x.conf', 'file:']);
    const g = planCopy({ keyword: 'COPY', sources: ['*.txt'], dest: 'rel/', workdir: '/w', fromContext: true }, tree, none);
    expect([g.destDir, g.items.map((i) => i.to), g.sourceHash.slice(0, 6)]).toEqual(['/w/rel', ['one.txt', 'two.txt'], 'multi:']);
  });

  it('refuses sources outside the context, missing ones, and several sources without a trailing /', () => {
    write('one.txt', '1');
    const tree = loadContext(dir).tree;
    const plan = (sources: string[], dest: string) => planCopy({ keyword: 'COPY', sources, dest, workdir: undefined, fromContext: true }, tree, () => false);
    expect(() => plan(['../x'], '/x')).toThrow('forbidden path outside the build context: ../x ()');
    expect(() => plan(['nope'], '/x')).toThrow('COPY failed: file not found in build context or excluded by .dockerignore: stat nope: file does not exist');
    expect(() => plan(['one.txt', 'one.txt'], '/x')).toThrow('the destination must be a directory and end with a /');
  });
});

describe('the content checksum (COPY/ADD cache key)', () => {
  const sum = () => {
    const tree = layeredTree([dir], () => false);
    return checksumOf(walkTree(tree, ''));
  };

  it('ignores mtime but sees content, mode and owner', () => {
    write('a.txt', 'hello');
    const first = sum();
    fs.utimesSync(path.join(dir, 'a.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(sum()).toBe(first);
    write('a.txt', 'hellO');
    const changed = sum();
    expect(changed).not.toBe(first);
    write('a.txt', 'hello');
    expect(sum()).toBe(first);
    fs.chmodSync(path.join(dir, 'a.txt'), 0o755);
    expect(sum()).not.toBe(first);
    fs.chmodSync(path.join(dir, 'a.txt'), 0o644);
    if (process.getuid?.() === 0) {
      fs.chownSync(path.join(dir, 'a.txt'), 1234, 1234);
      expect(sum()).not.toBe(first);
      fs.chownSync(path.join(dir, 'a.txt'), 0, 0);
    }
    fs.symlinkSync('a.txt', path.join(dir, 'link'));
    const withLink = sum();
    fs.rmSync(path.join(dir, 'link'));
    fs.symlinkSync('b.txt', path.join(dir, 'link'));
    expect(sum()).not.toBe(withLink);
  });
});

describe('cacheKey', () => {
  const base = { parent: 'sha256:' + 'a'.repeat(64), createdBy: '/bin/sh -c echo hi', config: { Env: ['A=1'], Cmd: ['sh'] } };
  it('is the same for the same parent, instruction and config (key order aside)', () => {
    expect(cacheKey(base)).toBe(cacheKey({ config: { Cmd: ['sh'], Env: ['A=1'] }, createdBy: base.createdBy, parent: base.parent }));
  });
  it('changes with the parent, the instruction, the config and the extra flags', () => {
    const k = cacheKey(base);
    expect(cacheKey({ ...base, parent: 'sha256:' + 'b'.repeat(64) })).not.toBe(k);
    expect(cacheKey({ ...base, createdBy: '|1 V=2 /bin/sh -c echo hi' })).not.toBe(k);
    expect(cacheKey({ ...base, config: { Env: ['A=2'], Cmd: ['sh'] } })).not.toBe(k);
    expect(cacheKey({ ...base, extra: { chown: '1:1' } })).not.toBe(k);
  });
});
