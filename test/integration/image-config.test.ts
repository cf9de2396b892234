import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { buildImage } from '../helpers/oci-builder.js';

/**
 * The image config's Env, Entrypoint, Cmd and WorkingDir applied as Docker applies them,
 * and overridden by -e, --entrypoint, -w and the command line; whiteouts and opaque
 * directories of upper layers hiding lower-layer files in the merged view.
 */
let root: string;
let cleanup: () => void;
const layouts: string[] = [];
const run = (args: string[]) => minibox(['run', '--rm', ...args], { root });

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  const app = await buildImage({
    name: 'docker.io/library/app:1',
    base: 'busybox',
    config: {
      Env: ['PATH=/usr/local/bin:/bin', 'GREETING=from-image', 'KEEP=kept'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['echo "$GREETING $KEEP in $(pwd)"'],
      WorkingDir: '/srv/app',
    },
    layers: [[{ path: 'srv/app/', type: 'dir' }, { path: 'usr/local/bin/hello', type: 'file', mode: 0o755, content: '#!/bin/sh\necho "hello $*"\n' }]],
  });
  const layered = await buildImage({
    name: 'docker.io/library/layered:latest',
    base: 'busybox',
    layers: [
      [
        { path: 'data/', type: 'dir' },
        { path: 'data/a', type: 'file', content: 'a' },
        { path: 'data/b', type: 'file', content: 'b' },
        { path: 'opaque/', type: 'dir' },
        { path: 'opaque/old', type: 'file', content: 'old' },
      ],
      [
        { path: 'data/.wh.a', type: 'file' },
        { path: 'bin/.wh.vi', type: 'file' },
        { path: 'opaque/', type: 'dir' },
        { path: 'opaque/.wh..wh..opq', type: 'file' },
        { path: 'opaque/new', type: 'file', content: 'new' },
      ],
    ],
  });
  layouts.push(app.layoutDir, layered.layoutDir);
  for (const l of layouts) {
    const r = await minibox(['load', '-i', l], { root });
    expect(r.stderr).toBe('');
  }
});

afterAll(() => {
  cleanup();
  for (const l of layouts) rmSync(l, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
});

describe('image config like Docker', () => {
  it('runs Entrypoint + Cmd with the image Env in the WorkingDir', async () => {
    expect((await run(['app:1'])).stdout).toBe('from-image kept in /srv/app\n');
  });
  it('-e overrides and adds variables', async () => {
    expect((await run(['-e', 'GREETING=from-flag', 'app:1'])).stdout).toBe('from-flag kept in /srv/app\n');
  });
  it('-w overrides the WorkingDir, creating it when missing', async () => {
    expect((await run(['-w', '/made/here', 'app:1'])).stdout).toBe('from-image kept in /made/here\n');
  });
  it('arguments replace Cmd and keep the Entrypoint', async () => {
    expect((await run(['app:1', 'echo replaced; hello world'])).stdout).toBe('replaced\nhello world\n');
  });
  it('--entrypoint replaces the Entrypoint and drops the image Cmd', async () => {
    expect((await run(['--entrypoint', 'hello', 'app:1', 'there'])).stdout).toBe('hello there\n');
    expect((await run(['--entrypoint', '/bin/pwd', 'app:1'])).stdout).toBe('/srv/app\n');
  });
  it('uses the image PATH to find commands, and sets HOSTNAME and HOME', async () => {
    const r = await run(['-h', 'web', '--entrypoint', 'sh', 'app:1', '-c', 'export -p']);
    const env = r.stdout.trim().split('\n').filter((l) => !/ (PWD|SHLVL)=/.test(l)).sort();
    expect(env).toEqual(
      ['GREETING=from-image', 'HOME=/root', 'HOSTNAME=web', 'KEEP=kept', 'PATH=/usr/local/bin:/bin'].map((e) => `export ${e.replace('=', "='")}'`),
    );
    expect((await run(['--entrypoint', 'seq', 'app:1', '1'])).code).toBe(127); // /usr/bin is not on the image PATH
  });
});

describe('layers merge with whiteouts', () => {
  it('a whiteout hides a lower file and an opaque dir hides a lower dir', async () => {
    const r = await run(['layered', 'sh', '-c', 'ls /data; echo ---; ls /opaque; echo ---; test -e /bin/vi || echo no-vi']);
    expect(r.stdout).toBe('b\n---\nnew\n---\nno-vi\n');
  });
});
