import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathForm, resolveInRoot, splitContainerArg } from '../../../src/container/cp-paths.js';

/** cp's chroot-style resolution: nothing under a container root can point out of it. */
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'cp-paths-'));
  mkdirSync(path.join(root, 'etc'));
  mkdirSync(path.join(root, 'data'));
  symlinkSync('/etc', path.join(root, 'abs')); // absolute: the container's /etc
  symlinkSync('../../../../..', path.join(root, 'data', 'up')); // climbs: stops at the root
  symlinkSync('loop2', path.join(root, 'loop1'));
  symlinkSync('loop1', path.join(root, 'loop2'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveInRoot', () => {
  it('.. stops at the root', () => {
    expect(resolveInRoot(root, '../../../etc/passwd', true)).toEqual({ host: path.join(root, 'etc/passwd'), inside: '/etc/passwd' });
  });
  it('an absolute symlink means the container path', () => {
    expect(resolveInRoot(root, '/abs/x', true).inside).toBe('/etc/x');
  });
  it('a climbing relative symlink stays inside', () => {
    expect(resolveInRoot(root, '/data/up/etc', true).inside).toBe('/etc');
  });
  it('the last component is followed only when asked', () => {
    expect(resolveInRoot(root, '/abs', false).inside).toBe('/abs');
    expect(resolveInRoot(root, '/abs', true).inside).toBe('/etc');
  });
  it('a symlink loop is an error, not a hang', () => {
    expect(() => resolveInRoot(root, '/loop1/x', true)).toThrow(/too many levels of symbolic links/);
  });
});

describe('argument forms', () => {
  it('CONTAINER:PATH only when the colon comes before any slash', () => {
    expect(splitContainerArg('web:/etc')).toEqual({ container: 'web', path: '/etc' });
    expect(splitContainerArg('./a:b')).toBeUndefined();
    expect(splitContainerArg('/tmp/x')).toBeUndefined();
    expect(splitContainerArg('-')).toBeUndefined();
  });
  it('trailing / and /. as docker cp reads them', () => {
    expect(pathForm('/etc/.')).toEqual({ trailingSlash: true, contentsOnly: true, base: 'etc' });
    expect(pathForm('/etc/')).toEqual({ trailingSlash: true, contentsOnly: false, base: 'etc' });
    expect(pathForm('/etc/passwd')).toEqual({ trailingSlash: false, contentsOnly: false, base: 'passwd' });
  });
});
