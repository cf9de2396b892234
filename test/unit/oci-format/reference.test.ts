import { describe, expect, it } from 'vitest';
import { familiarImageName, familiarName, isBareTag, normalizeReference, parseReference } from '../../../src/oci-format/reference.js';

describe('parseReference / normalizeReference', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x'],
    ['user/repo:tag', 'docker.io/user/repo:tag'],
    ['user/sub/repo', 'docker.io/user/sub/repo:latest'],
    ['localhost/repo', 'localhost/repo:latest'],
    ['localhost:5000/repo:tag', 'localhost:5000/repo:tag'],
    ['registry.example.com/a/b:c', 'registry.example.com/a/b:c'],
    ['Registry.Example.com/a', 'Registry.Example.com/a:latest'],
    ['my_repo-x.y__z', 'docker.io/library/my_repo-x.y__z:latest'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`],
    [`host:1/r:t@sha256:${'b'.repeat(64)}`, `host:1/r:t@sha256:${'b'.repeat(64)}`],
  ])('%s → %s', (input, want) => {
    expect(normalizeReference(input)).toBe(want);
  });

  it('splits domain, path, tag and digest', () => {
    expect(parseReference('localhost:5000/a/b:v1')).toEqual({ domain: 'localhost:5000', path: 'a/b', tag: 'v1' });
    expect(parseReference('busybox')).toEqual({ domain: 'docker.io', path: 'library/busybox' });
  });

  it("rejects uppercase repository names with Docker's message", () => {
    expect(() => parseReference('Busybox')).toThrow('invalid reference format: repository name (library/Busybox) must be lowercase');
    expect(() => parseReference('user/Repo:tag')).toThrow('invalid reference format: repository name (user/Repo) must be lowercase');
  });

  it.each(['busybox:', ':tag', 'bus box', 'busybox:tag with space', 'a//b', '-busybox', 'busybox/', 'busybox:-x', `x:${'t'.repeat(129)}`])(
    'rejects %j as "invalid reference format"',
    (input) => {
      expect(() => parseReference(input)).toThrow(/^invalid reference format/);
    },
  );

  it('rejects empty names, bad digests and bare 64-hex ids', () => {
    expect(() => parseReference('')).toThrow(/invalid reference format/);
    expect(() => parseReference('busybox@sha256:abc')).toThrow(/invalid/);
    expect(() => parseReference('a'.repeat(64))).toThrow(/cannot specify 64-byte hexadecimal strings/);
  });

  it('accepts a 128-character tag', () => {
    expect(parseReference(`x:${'t'.repeat(128)}`).tag).toHaveLength(128);
  });
});

describe('familiarName', () => {
  it.each([
    ['docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/user/repo:tag', 'user/repo:tag'],
    ['docker.io/library/a/b:c', 'library/a/b:c'],
    ['localhost:5000/repo:tag', 'localhost:5000/repo:tag'],
    [`docker.io/library/busybox@sha256:${'c'.repeat(64)}`, `busybox@sha256:${'c'.repeat(64)}`],
    ['busybox', 'busybox'],
  ])('%s → %s', (input, want) => {
    expect(familiarName(input)).toBe(want);
  });
});

describe('isBareTag', () => {
  it('tells a tag from a reference', () => {
    expect(isBareTag('latest')).toBe(true);
    expect(isBareTag('1.36.1')).toBe(true);
    expect(isBareTag('busybox:latest')).toBe(false);
    expect(isBareTag('library/busybox')).toBe(false);
  });
});

describe('familiarImageName (ps IMAGE column, ancestor filter)', () => {
  it.each([
    ['docker.io/library/busybox:latest', 'busybox'],
    ['busybox', 'busybox'],
    ['docker.io/foo/bar:latest', 'foo/bar'],
    ['docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['localhost:5000/x:latest', 'localhost:5000/x'],
    ['ABC', 'ABC'], // no valid reference (an id prefix, a typo): compared as typed
  ])('%s → %s', (input, want) => {
    expect(familiarImageName(input)).toBe(want);
  });
});
