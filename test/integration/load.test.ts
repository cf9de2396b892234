import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { blobFile, buildImage, flipByte, flipped, readLayout, toDockerSave, toOciArchive, type BuiltImage } from '../helpers/oci-builder.js';

/**
 * `minibox load` / `images` / `rmi` through the real CLI, each test with its own
 * MINIBOX_ROOT: the three input kinds, idempotence, corruption (nothing may be left in the
 * store), and rmi's sharing and container rules.
 */
let root: string;
let cleanupRoot: () => void;
let work: string;
let busybox: string;
let busyboxId: string;
let busyboxChainHex: string; // its one layer: chainID = diffID

const short = (id: string): string => id.slice('sha256:'.length, 'sha256:'.length + 12);
const mb = (...args: string[]) => minibox(args, { root });

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const inner = await filesUnder(p);
      out.push(...(inner.length ? inner : [`${p}/`]));
    } else out.push(p);
  }
  return out;
}

/** Everything in the store that an image load can create (locks/ aside). */
async function storeContent(): Promise<string[]> {
  const dirs = ['blobs/sha256', 'images', 'snapshots', 'tmp'].map((d) => path.join(root, d));
  const all = (await Promise.all(dirs.map(filesUnder))).flat();
  // empty directories the store keeps (blobs/sha256, images/by-id, snapshots, tmp) are not content
  return all.filter((p) => !p.endsWith('/'));
}

async function snapshotNames(): Promise<string[]> {
  return (await fs.readdir(path.join(root, 'snapshots')).catch(() => [])).sort();
}

async function appImage(name = 'docker.io/library/mbtest:v1'): Promise<BuiltImage> {
  return buildImage({
    name,
    base: 'busybox',
    dir: await fs.mkdtemp(path.join(work, 'layout-')),
    config: { Cmd: ['/app/hello.sh'], WorkingDir: '/app' },
    layers: [[
      { path: 'app', type: 'dir' },
      { path: 'app/hello.sh', type: 'file', content: '#!/bin/sh\necho hello\n', mode: 0o755 },
      { path: 'app/link', type: 'symlink', linkname: 'hello.sh' },
    ]],
  });
}

async function copyLayout(src: string): Promise<string> {
  const dest = await fs.mkdtemp(path.join(work, 'copy-'));
  await fs.cp(src, dest, { recursive: true });
  return dest;
}

beforeAll(async () => {
  busybox = await ensureBusyboxLayout();
  const { manifest, config } = await readLayout(busybox);
  busyboxId = manifest.config.digest;
  busyboxChainHex = (config.rootfs.diff_ids[0] as string).slice('sha256:'.length);
});

beforeEach(async () => {
  ({ root, cleanup: cleanupRoot } = makeStateRoot());
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'load-test-work-'));
});

afterEach(async () => {
  cleanupRoot();
  await fs.rm(work, { recursive: true, force: true });
});

describe('minibox load', () => {
  it('loads an OCI image layout directory and lists it', async () => {
    const r = await mb('load', '-i', busybox);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Loaded image: busybox:latest\n');
    expect(r.code).toBe(0);
    const images = await mb('images');
    expect(images.stdout).toMatch(new RegExp(`^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\nbusybox +latest +${short(busyboxId)} +\\S.* ago +[\\d.]+MB\n$`));
    expect((await mb('images', '-q')).stdout).toBe(`${short(busyboxId)}\n`);
    expect((await mb('images', '--no-trunc')).stdout).toContain(busyboxId);
    expect(await snapshotNames()).toHaveLength(1);
  });

  it('loads an image whose top layer is zstd-compressed (tar+zstd)', async () => {
    const img = await buildImage({ name: 'docker.io/library/zst:1', base: 'busybox', dir: path.join(work, 'zst'),
      layers: [[{ path: 'zstd-was-here', type: 'file', content: 'unpacked from zstd\n' }]] });
    const { manifest } = await readLayout(img.layoutDir);
    const top = manifest.layers.at(-1);
    const tar = gunzipSync(await fs.readFile(blobFile(img.layoutDir, top.digest)));
    const zst = execFileSync('zstd', ['-q', '-c'], { input: tar }); // zstd(1) from Debian's zstd package
    const digest = `sha256:${createHash('sha256').update(zst).digest('hex')}`;
    await fs.writeFile(blobFile(img.layoutDir, digest), zst);
    Object.assign(top, { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest, size: zst.length });
    const mbytes = Buffer.from(JSON.stringify(manifest));
    const mdigest = `sha256:${createHash('sha256').update(mbytes).digest('hex')}`;
    await fs.writeFile(blobFile(img.layoutDir, mdigest), mbytes);
    const index = JSON.parse(await fs.readFile(path.join(img.layoutDir, 'index.json'), 'utf8'));
    Object.assign(index.manifests[0], { digest: mdigest, size: mbytes.length });
    await fs.writeFile(path.join(img.layoutDir, 'index.json'), JSON.stringify(index));
    const r = await mb('load', '-i', img.layoutDir);
    expect(r).toMatchObject({ code: 0, stdout: 'Loaded image: zst:1\n' });
    const run = await mb('run', '--rm', '--network', 'none', 'zst:1', 'cat', '/zstd-was-here');
    expect(run).toMatchObject({ code: 0, stdout: 'unpacked from zstd\n' });
  });

  it('loads an OCI archive (tar of a layout) of an image built on busybox', async () => {
    const img = await appImage();
    const archive = path.join(work, 'app-oci.tar');
    await toOciArchive(img.layoutDir, archive);
    const r = await mb('load', '-q', '-i', archive);
    expect(r.stdout).toBe('Loaded image: mbtest:v1\n');
    expect(r.code).toBe(0);
    expect((await mb('images')).stdout).toMatch(new RegExp(`\nmbtest +v1 +${short(img.imageId)} `));
    expect(await snapshotNames()).toHaveLength(2);
    const snap = path.join(root, 'snapshots', (await snapshotNames()).find((n) => n !== busyboxChainHex)!);
    expect(await fs.readFile(path.join(snap, 'app/hello.sh'), 'utf8')).toBe('#!/bin/sh\necho hello\n');
    expect(await fs.readlink(path.join(snap, 'app/link'))).toBe('hello.sh');
  });

  it('loads a docker save tarball', async () => {
    const img = await appImage();
    const archive = path.join(work, 'app-docker.tar');
    await toDockerSave(img.layoutDir, archive, { repoTags: ['mbtest:v1', 'example.com/team/mbtest:2'] });
    const r = await mb('load', '-i', archive);
    expect(r.stdout).toBe('Loaded image: mbtest:v1\nLoaded image: example.com/team/mbtest:2\n');
    expect(r.code).toBe(0);
    const listing = (await mb('images')).stdout;
    expect(listing).toMatch(new RegExp(`\nmbtest +v1 +${short(img.imageId)} `));
    expect(listing).toMatch(new RegExp(`\nexample.com/team/mbtest +2 +${short(img.imageId)} `));
    // The busybox layer unpacks to the same chainID whichever format brought it.
    await mb('load', '-i', busybox);
    expect(await snapshotNames()).toHaveLength(2);
  });

  it('loads an untagged image and reports its ID', async () => {
    const img = await buildImage({ dir: await fs.mkdtemp(path.join(work, 'l-')), layers: [[{ path: 'x', type: 'file', content: 'x' }]] });
    const r = await mb('load', '-i', img.layoutDir);
    expect(r.stdout).toBe(`Loaded image ID: ${img.imageId}\n`);
    expect((await mb('images')).stdout).toMatch(new RegExp(`\n<none> +<none> +${short(img.imageId)} `));
    expect((await mb('rmi', short(img.imageId))).stdout).toBe(`Deleted: ${img.imageId}\nDeleted: ${img.diffIds[0]}\n`);
  });

  it('is idempotent: loading twice changes nothing', async () => {
    await mb('load', '-i', busybox);
    const before = await storeContent();
    const r = await mb('load', '-i', busybox);
    expect(r.stdout).toBe('Loaded image: busybox:latest\n');
    expect(r.code).toBe(0);
    expect(await storeContent()).toEqual(before);
    expect((await mb('images', '-q')).stdout).toBe(`${short(busyboxId)}\n`);
  });

  it('follows a nested index and picks linux/amd64 among several platforms', async () => {
    const img = await appImage();
    const indexPath = path.join(img.layoutDir, 'index.json');
    const top = JSON.parse(await fs.readFile(indexPath, 'utf8'));
    const entry = top.manifests[0];
    const nested = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        // not in the layout at all: picking it would fail
        { mediaType: entry.mediaType, digest: `sha256:${'e'.repeat(64)}`, size: 10, platform: { architecture: 'arm64', os: 'linux' } },
        { mediaType: entry.mediaType, digest: entry.digest, size: entry.size, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    }));
    const { createHash } = await import('node:crypto');
    const hex = createHash('sha256').update(nested).digest('hex');
    await fs.writeFile(path.join(img.layoutDir, 'blobs', 'sha256', hex), nested);
    top.manifests = [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${hex}`, size: nested.length, annotations: entry.annotations }];
    await fs.writeFile(indexPath, JSON.stringify(top));
    const r = await mb('load', '-i', img.layoutDir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Loaded image: mbtest:v1\n');
  });

  it('reads a Docker 25+ save (OCI layout plus manifest.json) through manifest.json', async () => {
    const img = await appImage();
    const { manifest } = await readLayout(img.layoutDir);
    const manifestJson = [{
      Config: `blobs/sha256/${img.imageId.slice(7)}`,
      RepoTags: ['saved:new'],
      Layers: manifest.layers.map((l: { digest: string }) => `blobs/sha256/${l.digest.slice(7)}`),
    }];
    await fs.writeFile(path.join(img.layoutDir, 'manifest.json'), JSON.stringify(manifestJson));
    const archive = path.join(work, 'new-docker.tar');
    await toOciArchive(img.layoutDir, archive);
    const r = await mb('load', '-i', archive);
    expect(r.stdout).toBe('Loaded image: saved:new\n');
    expect((await mb('images')).stdout).toMatch(new RegExp(`\nsaved +new +${short(img.imageId)} `));
  });

  it('fails clearly for a missing input', async () => {
    const r = await mb('load', '-i', path.join(work, 'nope.tar'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no such file or directory');
  });
});

describe('minibox load rejects corrupted input and leaves nothing behind', () => {
  async function expectRejected(input: string, digest: string): Promise<void> {
    const r = await mb('load', '-i', input);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/^minibox: .*digest mismatch/);
    expect(r.stderr).toContain(digest);
    expect(r.stdout).toBe('');
    expect(await storeContent()).toEqual([]);
    expect(await snapshotNames()).toEqual([]);
    expect((await mb('images', '-q')).stdout).toBe('');
  }

  for (const kind of ['oci-dir', 'oci-archive'] as const) {
    for (const what of ['layer', 'config'] as const) {
      it(`${kind}: flipped byte in the ${what}`, async () => {
        const img = await appImage();
        const { manifest } = await readLayout(img.layoutDir);
        const digest: string = what === 'layer' ? manifest.layers[1].digest : manifest.config.digest;
        await flipByte(blobFile(img.layoutDir, digest));
        let input = img.layoutDir;
        if (kind === 'oci-archive') {
          input = path.join(work, 'bad.tar');
          await toOciArchive(img.layoutDir, input);
        }
        await expectRejected(input, digest);
      });
    }
  }

  for (const what of ['layer', 'config'] as const) {
    it(`docker save: flipped byte in the ${what}`, async () => {
      const img = await appImage();
      const configHex = img.imageId.slice('sha256:'.length);
      const target = what === 'layer' ? `${img.diffIds[1]!.slice('sha256:'.length)}/layer.tar` : `${configHex}.json`;
      const archive = path.join(work, 'bad-docker.tar');
      await toDockerSave(img.layoutDir, archive, { transform: (name, body) => (name === target ? flipped(body) : body) });
      await expectRejected(archive, what === 'layer' ? img.diffIds[1]! : img.imageId);
    });
  }

  it('a corrupt layer in the second image leaves the store as it was', async () => {
    await mb('load', '-i', busybox);
    const before = await storeContent();
    const img = await appImage();
    const { manifest } = await readLayout(img.layoutDir);
    await flipByte(blobFile(img.layoutDir, manifest.layers[1].digest));
    const r = await mb('load', '-i', img.layoutDir);
    expect(r.code).toBe(125);
    expect(await storeContent()).toEqual(before);
  });
});

describe('minibox rmi', () => {
  async function fakeContainer(imageId: string, status = 'exited'): Promise<string> {
    const id = 'c0ffee'.padEnd(64, '0');
    const dir = path.join(root, 'containers', id);
    await fs.mkdir(dir, { recursive: true });
    const state = { id, name: 'busy_test', image: 'docker.io/library/busybox:latest', imageId, status, pid: 0, shimPid: 0, exitCode: 0, created: new Date().toISOString() };
    await fs.writeFile(path.join(dir, 'state.json'), JSON.stringify(state));
    return id;
  }

  it('untags and deletes the image with its blobs and snapshots', async () => {
    await mb('load', '-i', busybox);
    const r = await mb('rmi', 'busybox');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Untagged: busybox:latest\nDeleted: ${busyboxId}\n(Deleted: sha256:[0-9a-f]{64}\n)+$`));
    expect(await storeContent()).toEqual([]);
    expect(await snapshotNames()).toEqual([]);
    expect((await mb('images', '-q')).stdout).toBe('');
  });

  it('keeps what another image shares', async () => {
    await mb('load', '-i', busybox);
    const app = await appImage();
    await mb('load', '-i', app.layoutDir);
    expect(await snapshotNames()).toHaveLength(2);
    const r = await mb('rmi', 'mbtest:v1');
    expect(r.code).toBe(0);
    expect(await snapshotNames()).toHaveLength(1);
    const blobs = (await fs.readdir(path.join(root, 'blobs', 'sha256'))).sort();
    const { manifest } = await readLayout(busybox);
    expect(blobs).toContain(manifest.layers[0].digest.slice(7));
    expect(blobs).not.toContain(app.imageId.slice(7));
    expect((await mb('images', '-q')).stdout).toBe(`${short(busyboxId)}\n`);
  });

  it('only untags while another tag remains', async () => {
    const app = await appImage();
    const archive = path.join(work, 'two-tags.tar');
    await toDockerSave(app.layoutDir, archive, { repoTags: ['mbtest:v1', 'mbtest:v2'] });
    await mb('load', '-i', archive);
    const r = await mb('rmi', 'mbtest:v1');
    expect(r.stdout).toBe('Untagged: mbtest:v1\n');
    expect((await mb('images')).stdout).toMatch(/\nmbtest +v2 /);
    const byId = await mb('rmi', short(app.imageId));
    expect(byId.stdout).toMatch(/^Untagged: mbtest:v2\nDeleted: /);
  });

  it('refuses while a container uses the image, and -f only untags', async () => {
    await mb('load', '-i', busybox);
    const cid = await fakeContainer(busyboxId);
    const refused = await mb('rmi', 'busybox');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `minibox: conflict: unable to remove repository reference "busybox" (must force) - container ${cid.slice(0, 12)} is using its referenced image ${short(busyboxId)}\n`,
    );
    expect((await mb('images', '-q')).stdout).toBe(`${short(busyboxId)}\n`);

    const forced = await mb('rmi', '-f', 'busybox');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe('Untagged: busybox:latest\n');
    // The container's lower dir and the image's blobs stay; the image is now <none>.
    expect(await snapshotNames()).toHaveLength(1);
    expect((await mb('images')).stdout).toMatch(new RegExp(`\n<none> +<none> +${short(busyboxId)} `));

    await fs.rm(path.join(root, 'containers'), { recursive: true });
    const later = await mb('rmi', short(busyboxId));
    expect(later.code).toBe(0);
    expect(await storeContent()).toEqual([]);
  });

  it('says "No such image" (exit 1) and carries on with the other names', async () => {
    await mb('load', '-i', busybox);
    const r = await mb('rmi', 'nosuch', 'busybox');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('minibox: No such image: nosuch:latest\n');
    expect(r.stdout).toMatch(/^Untagged: busybox:latest\n/);
  });
});

describe('concurrent loads', () => {
  it('four loads of one archive at once all succeed and leave one copy of everything', async () => {
    const { root: r, cleanup: done } = makeStateRoot();
    try {
      const layout = await ensureBusyboxLayout();
      const results = await Promise.all(Array.from({ length: 4 }, () => minibox(['load', '-i', layout], { root: r })));
      for (const res of results) expect(res).toMatchObject({ code: 0, stdout: 'Loaded image: busybox:latest\n' });
      expect((await minibox(['images', '-q'], { root: r })).stdout.trim().split('\n')).toHaveLength(1);
      const snaps = (await import('node:fs')).readdirSync(`${r}/snapshots`);
      expect(snaps.filter((s) => s.includes('.tmp'))).toEqual([]);
      expect(snaps).toHaveLength(1);
    } finally {
      done();
    }
  });
});
