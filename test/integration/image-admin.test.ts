import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { buildImage, readLayout, type BuiltImage } from '../helpers/oci-builder.js';
import { leakcheck } from '../helpers/leakcheck.js';

/**
 * `tag`, `image inspect`, `image prune`, `system df` and `system prune` through the real
 * CLI on a small store whose numbers are known: busybox, and two images of one layer more
 * (12 and 20 bytes of file content) under the same tag, so loading the second leaves the
 * first dangling, as in Docker.
 */
let root: string;
let cleanup: () => void;
let busyboxLayout: string;
let busyboxId: string;
let busyboxSize: number; // bytes of file content in its one layer
let busyboxManifest: string;
let first: BuiltImage; // extra:1, then dangling
let second: BuiltImage; // extra:1 after it
let networkState: string; // system prune's network part works on this test's own network records

const mb = (args: string[], input?: string): Promise<Result> =>
  minibox(args, { root, env: { MINIBOX_NETWORK_STATE: networkState }, ...(input !== undefined ? { input } : {}) });
const short = (id: string): string => id.slice(7, 19);

beforeAll(async () => {
  busyboxLayout = await ensureBusyboxLayout();
  busyboxManifest = (await readLayout(busyboxLayout)).manifestDigest;
  networkState = mkdtempSync(path.join(os.tmpdir(), 'image-admin-network-'));
  first = await buildImage({ base: 'busybox', name: 'docker.io/library/extra:1', layers: [[{ path: 'etc/extra', type: 'file', content: 'extra layer\n' }]], config: { Labels: { stage: 'one' } } });
  second = await buildImage({ base: 'busybox', name: 'docker.io/library/extra:1', layers: [[{ path: 'etc/extra', type: 'file', content: 'second extra layer\n' }]] });
}, 120_000);

afterAll(() => {
  for (const b of [first, second]) if (b) rmSync(b.layoutDir, { recursive: true, force: true });
  rmSync(networkState, { recursive: true, force: true });
});

beforeEach(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await mb(['load', '-i', busyboxLayout])).code).toBe(0);
  const inspect = JSON.parse((await mb(['image', 'inspect', 'busybox'])).stdout) as Array<{ Id: string; Size: number }>;
  busyboxId = inspect[0]?.Id ?? '';
  busyboxSize = inspect[0]?.Size ?? 0;
});

afterEach(async () => {
  await mb(['rm', '-f', 'admin-c']);
  cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('minibox tag', () => {
  it("adds a name (by name or ID prefix) and refuses what Docker's client refuses", async () => {
    expect((await mb(['tag', 'busybox', 'me/bb:1'])).stdout).toBe('');
    expect((await mb(['tag', short(busyboxId), 'localhost:5000/bb'])).code).toBe(0);
    const images = (await mb(['images'])).stdout;
    expect(images).toMatch(/\nme\/bb\s+1\s/);
    expect(images).toMatch(/\nlocalhost:5000\/bb\s+latest\s/);
    // images REPOSITORY[:TAG] lists only the matching names, as Docker's reference filter
    expect((await mb(['images', 'me/bb'])).stdout).toMatch(/^REPOSITORY[^\n]*\nme\/bb\s+1\s[^\n]*\n$/);
    expect((await mb(['image', 'ls', '*/bb'])).stdout.split('\n').slice(1, -1).map((l) => l.split(/\s+/).slice(0, 2).join(':')).sort()).toEqual(['localhost:5000/bb:latest', 'me/bb:1']);
    expect((await mb(['images', '-q', 'busybox:latest'])).stdout).toBe(`${short(busyboxId)}\n`);
    expect((await mb(['images', '-q', 'nothere'])).stdout).toBe('');
    const cases: Array<[string, string, string]> = [
      ['busybox', 'me/Bb', 'Error parsing reference: "me/Bb" is not a valid repository/tag: invalid reference format: repository name (me/Bb) must be lowercase'],
      ['busybox', 'bb:bad:tag', 'Error parsing reference: "bb:bad:tag" is not a valid repository/tag: invalid reference format'],
      ['UPPER', 'bb', 'Error parsing reference: "UPPER" is not a valid repository/tag: invalid reference format: repository name (library/UPPER) must be lowercase'],
      ['busybox', `bb@${busyboxManifest}`, 'refusing to create a tag with a digest reference'],
      ['nothere', 'bb', 'No such image: nothere:latest'],
    ];
    for (const [src, dst, message] of cases) {
      const r = await mb(['tag', src, dst]);
      expect(r.stderr).toBe(`minibox: ${message}\n`);
      expect(r.code).toBe(1);
    }
  });
});

describe('minibox image inspect', () => {
  it("shows Docker's fields for an image, and -f a template; a missing one is an error, exit 1", async () => {
    expect((await mb(['load', '-i', first.layoutDir])).code).toBe(0);
    expect((await mb(['tag', 'extra:1', 'me/extra:v1'])).code).toBe(0);
    const r = await mb(['image', 'inspect', 'extra:1']);
    expect(r.code).toBe(0);
    const [img] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(img ?? {})).toEqual(['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'DockerVersion', 'Author', 'Config', 'Architecture', 'Os', 'Size', 'GraphDriver', 'RootFS', 'Metadata']);
    expect(img).toMatchObject({
      Id: first.imageId,
      RepoTags: ['extra:1', 'me/extra:v1'],
      RepoDigests: [`extra@${first.manifestDigest}`, `me/extra@${first.manifestDigest}`],
      Created: '2024-01-01T00:00:00Z',
      Architecture: 'amd64',
      Os: 'linux',
      Size: busyboxSize + 'extra layer\n'.length,
      RootFS: { Type: 'layers', Layers: first.diffIds },
    });
    expect((img?.['Config'] as { Labels: unknown }).Labels).toEqual({ stage: 'one' });
    const f = await mb(['image', 'inspect', '-f', '{{.Id}} {{.Os}}/{{.Architecture}} {{json .Config.Cmd}}', 'extra:1', short(busyboxId)]);
    expect(f.stdout).toBe(`${first.imageId} linux/amd64 ["sh"]\n${busyboxId} linux/amd64 ["sh"]\n`);
    const missing = await mb(['image', 'inspect', 'busybox', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error: No such image: nope:latest\n');
    expect((JSON.parse(missing.stdout) as unknown[]).length).toBe(1);
  });
});

describe('minibox image prune / system df / system prune', () => {
  it('counts and reclaims what Docker would: dangling first, then unused with -a, never what a container uses', async () => {
    expect((await mb(['load', '-i', first.layoutDir])).code).toBe(0);
    const replaced = await mb(['load', '-i', second.layoutDir]);
    expect(replaced.stdout).toContain(`renaming the old one with ID ${first.imageId} to empty string`);
    expect((await mb(['run', '--name', 'admin-c', '--network', 'none', 'busybox', 'true'])).code).toBe(0);

    const df = await mb(['system', 'df']);
    expect(df.stderr).toBe('');
    const rows = df.stdout.trimEnd().split('\n');
    const uniqueFirst = 'extra layer\n'.length;
    const uniqueSecond = 'second extra layer\n'.length;
    expect(rows[0]).toBe('TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE');
    const total = busyboxSize + uniqueFirst + uniqueSecond;
    const human = (n: number): string => (n < 1000 ? `${n}B` : `${(n / 1e6).toPrecision(4).replace(/\.?0+$/, '')}MB`);
    expect(rows[1]).toBe(`Images          3         1         ${human(total).padEnd(10)}${uniqueFirst + uniqueSecond}B (0%)`);
    expect(rows[2]).toMatch(/^Containers      1         0         \S+\s+\S+/);
    expect(rows[3]).toBe('Local Volumes   0         0         0B        0B');
    expect(rows[4]).toBe('Build Cache     0         0         0B        0B');
    const verbose = (await mb(['system', 'df', '-v'])).stdout;
    expect(verbose).toContain('Images space usage:\n\nREPOSITORY   TAG       IMAGE ID       CREATED       SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS\n');
    expect(verbose).toMatch(new RegExp(`\\n<none>\\s+<none>\\s+${short(first.imageId)}\\s+.*\\s${uniqueFirst}B\\s+0\\n`));
    expect(verbose).toContain('\nContainers space usage:\n\n');
    expect(verbose).toContain('\nBuild cache usage: 0B\n');

    // the question, answered no: nothing goes
    const asked = await mb(['image', 'prune'], 'n\n');
    expect(asked.stdout).toBe('WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ');
    const dangling = await mb(['image', 'prune', '-f']);
    expect(dangling.stdout).toBe(`Deleted Images:\ndeleted: ${first.imageId}\ndeleted: sha256:${chainHex(first)}\n\nTotal reclaimed space: ${uniqueFirst}B\n`);
    expect((await mb(['image', 'prune', '-f'])).stdout).toBe('Total reclaimed space: 0B\n');

    const all = await mb(['image', 'prune', '-a', '-f']);
    expect(all.stdout).toBe(`Deleted Images:\nuntagged: extra:1\ndeleted: ${second.imageId}\ndeleted: sha256:${chainHex(second)}\n\nTotal reclaimed space: ${uniqueSecond}B\n`);
    expect((await mb(['images', '-q'])).stdout).toBe(`${short(busyboxId)}\n`); // the container's image stays

    const question = await mb(['system', 'prune'], 'n\n');
    expect(question.stdout).toBe(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n\nAre you sure you want to continue? [y/N] ',
    );
    expect((await mb(['ps', '-aq'])).stdout).not.toBe('');
    const sys = await mb(['system', 'prune', '-f']);
    expect(sys.stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: \S+\n$/);
    expect((await mb(['images', '-q'])).stdout).toBe(`${short(busyboxId)}\n`); // tagged: not dangling
    const sysAll = await mb(['system', 'prune', '-a', '-f']);
    expect(sysAll.stdout).toBe(`Deleted Images:\nuntagged: busybox:latest\ndeleted: ${busyboxId}\ndeleted: sha256:${first.diffIds[0]?.slice(7)}\n\nTotal reclaimed space: ${human(busyboxSize)}\n`);
    expect((await mb(['system', 'df'])).stdout.split('\n')[1]).toBe('Images          0         0         0B        0B');
  });

  it('refuses a bad filter before asking, and --filter until keeps newer images', async () => {
    expect((await mb(['image', 'prune', '--filter', 'colour=red'])).stderr).toBe("minibox: invalid filter 'colour'\n");
    expect((await mb(['image', 'prune', '--filter', 'until=soon'])).stderr).toBe('minibox: failed to parse value as time or duration: "soon"\n');
    expect((await mb(['load', '-i', first.layoutDir])).code).toBe(0); // created 2024-01-01
    const kept = await mb(['image', 'prune', '-a', '-f', '--filter', 'until=2023-06-01T00:00:00Z']);
    expect(kept.stdout).toBe('Total reclaimed space: 0B\n');
    const gone = await mb(['image', 'prune', '-a', '-f', '--filter', 'until=24h']);
    expect(gone.stdout).toContain(`deleted: ${first.imageId}\n`);
  });
});

describe('the build cache and prune', () => {
  it("counts a build's step images as Build Cache, keeps them while the built image is tagged; rmi of it takes them along", async () => {
    const context = mkdtempSync(path.join(os.tmpdir(), 'image-admin-build-'));
    try {
      await writeFile(path.join(context, 'Dockerfile'), 'FROM busybox\nRUN echo a > /a\nRUN echo bb > /b\nENV X=1\n');
      const built = await mb(['build', '-q', '--network', 'none', '-t', 'built:1', context]);
      expect(built.code).toBe(0);
      const builtId = built.stdout.trim();
      const df = (await mb(['system', 'df'])).stdout.split('\n');
      expect(df[1]).toMatch(/^Images          2         0         /); // busybox and built:1
      expect(df[4]).toBe('Build Cache     2         2         0B        0B'); // the two RUN steps' images, all their bytes shared with built:1

      expect((await mb(['image', 'prune', '-f'])).stdout).toBe('Total reclaimed space: 0B\n'); // on the way to a tagged image: kept
      const cached = await mb(['build', '--network', 'none', '-t', 'built:1', context]);
      expect(cached.stdout.match(/ ---> Using cache/g)).toHaveLength(3);

      // rmi takes the untagged step images with it, as Docker's classic builder does: nothing left to prune
      const rmi = await mb(['rmi', 'built:1']);
      expect(rmi.code).toBe(0);
      expect(rmi.stdout).toMatch(new RegExp(`^Untagged: built:1\nDeleted: ${builtId}\n`));
      expect(rmi.stdout.match(/^Deleted: sha256:/gm)?.length).toBeGreaterThanOrEqual(3); // built:1 and the two RUN steps' images
      expect((await mb(['system', 'df'])).stdout.split('\n')[4]).toBe('Build Cache     0         0         0B        0B');
      expect((await mb(['image', 'prune', '-f'])).stdout).toBe('Total reclaimed space: 0B\n');
      expect((await mb(['images', '-q'])).stdout).toBe(`${short(busyboxId)}\n`);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });
});

/** The chain ID of an image's top layer (busybox below it: chainID(n) = sha256(chain(n-1) + " " + diffID(n))). */
function chainHex(img: BuiltImage): string {
  const [base, top] = img.diffIds;
  return createHash('sha256').update(`${base} ${top}`).digest('hex');
}
