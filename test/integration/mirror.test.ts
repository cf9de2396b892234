import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { startMirror, type MirrorLab } from '../helpers/mirror.js';

/**
 * `registry-mirrors` in minibox's configuration file (MINIBOX_CONFIG), as Docker's
 * daemon.json: docker.io pulls — `pull`, and `run` of a missing image — go to each mirror
 * in order, a mirror that is down is skipped with one note on stderr, and Docker Hub (here a
 * stand-in on a dead port, MINIBOX_DOCKER_HUB_URL, so nothing leaves 127.0.0.1) is last.
 * The mirror is the lab registry holding busybox as library/busybox:latest, pushed there
 * with `minibox push`.
 */
let mirror: MirrorLab;
const roots: Array<() => void> = [];

function newRoot(): string {
  const { root, cleanup } = makeStateRoot();
  roots.push(cleanup);
  return root;
}

const mb = (root: string, args: string[], env: Record<string, string>): Promise<Result> => minibox(args, { root, env, timeoutMs: 120_000 });

/** What a pull may leave in the store: blobs, snapshots, image records and scratch. */
async function storeEntries(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of ['blobs/sha256', 'snapshots', 'images', 'tmp']) {
    const names = await fs.readdir(path.join(root, d)).catch(() => [] as string[]);
    out.push(...names.map((n) => `${d}/${n}`));
  }
  return out;
}

beforeAll(async () => {
  mirror = await startMirror();
  const source = newRoot();
  expect((await mb(source, ['load', '-i', await ensureBusyboxLayout()], {})).code).toBe(0);
  await mirror.publish(source, 'busybox:latest', 'library/busybox:latest');
}, 300_000);

afterAll(async () => {
  await mirror?.stop();
});

afterEach(() => {
  for (const cleanup of roots.splice(0)) cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('registry mirrors', () => {
  it('pull busybox skips a mirror that is down with a note and gets docker.io/library/busybox from the next', async () => {
    const root = newRoot();
    const r = await mb(root, ['pull', 'busybox'], mirror.env({ mirrors: [mirror.deadUrl, mirror.url] }));
    expect(r.stderr).toBe(`mirror ${mirror.deadUrl} unavailable (connection refused); trying the next\n`);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Using default tag: latest');
    expect(lines[1]).toBe('latest: Pulling from library/busybox');
    expect(lines.at(-1)).toBe('docker.io/library/busybox:latest');
    const images = await mb(root, ['images'], {});
    expect(images.stdout).toMatch(/^busybox\s+latest\s/m);
  });

  it('run of a missing image pulls it through the mirror', async () => {
    const root = newRoot();
    const r = await mb(root, ['run', '--rm', '--network', 'none', 'busybox', 'echo', 'ok'], mirror.env());
    expect(r.stdout).toBe('ok\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Unable to find image 'busybox:latest' locally\n");
    expect(r.stderr).not.toContain('unavailable');
  });

  it('with only a dead mirror and Hub unreachable the pull fails in one line and leaves nothing', async () => {
    const root = newRoot();
    const r = await mb(root, ['pull', 'busybox'], mirror.env({ mirrors: [mirror.deadUrl] }));
    expect(r.code).toBe(1);
    const dead = new URL(mirror.deadUrl).host;
    expect(r.stderr.split('\n')).toEqual([
      `mirror ${mirror.deadUrl} unavailable (connection refused); falling back to ${mirror.deadUrl}`,
      `minibox: error contacting ${dead}: connection refused`,
      '',
    ]);
    expect(await storeEntries(root)).toEqual([]);
    expect((await mb(root, ['images', '-q'], {})).stdout).toBe('');
  });

  it('a mirror without the repository is skipped like one that is down', async () => {
    const root = newRoot();
    const r = await mb(root, ['pull', 'alpine:3'], mirror.env());
    expect(r.code).toBe(1);
    const [note, error] = r.stderr.split('\n');
    expect(note).toBe(`mirror ${mirror.url} unavailable (pull access denied for alpine, repository does not exist or may require 'minibox login'); falling back to ${mirror.deadUrl}`);
    expect(error).toMatch(/^minibox: error contacting 127\.0\.0\.1:\d+: connection refused$/);
  });

  it('a registry other than docker.io is pulled directly, the mirrors unused', async () => {
    const root = newRoot();
    const ref = `${mirror.registry.host}/library/busybox:latest`;
    const r = await mb(root, ['pull', '-q', ref], mirror.env({ mirrors: [mirror.deadUrl] }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${ref}\n`);
  });

  it.each([
    ['a list given as a string', JSON.stringify({ 'registry-mirrors': 'http://127.0.0.1:5000' }), '"registry-mirrors" must be a list of URLs, got a string'],
    ['an unknown key', JSON.stringify({ 'registry-mirror': ['http://127.0.0.1:5000'] }), 'unknown key "registry-mirror" (minibox reads "registry-mirrors" and "insecure-registries")'],
    ['not JSON', '{"registry-mirrors": [', 'not JSON: '],
  ])('a bad configuration file (%s) fails pull and run with one line naming the file and key', async (_what, configText, message) => {
    const root = newRoot();
    const env = mirror.env({ configText });
    const expected = `minibox: invalid configuration file ${env['MINIBOX_CONFIG']}: ${message}`;
    for (const args of [['pull', 'busybox'], ['run', '--rm', 'busybox', 'true']]) {
      const r = await mb(root, args, env);
      expect(r.code).toBe(args[0] === 'pull' ? 1 : 125); // Docker: a failed pull exits 1, run 125
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.at(-1)?.startsWith(expected)).toBe(true);
      expect(lines.filter((l) => l.startsWith('minibox:'))).toHaveLength(1);
    }
    expect(await storeEntries(root)).toEqual([]);
  });
});
