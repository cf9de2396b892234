import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { MINIBOX_BIN, makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { buildImage, readLayout, type BuiltImage } from '../helpers/oci-builder.js';
import { leakcheck } from '../helpers/leakcheck.js';

/**
 * `minibox save` through the real CLI: Docker's archive (an OCI layout plus manifest.json,
 * plain-tar layers named by diffID) and `--format oci` (the stored blobs as they are), each
 * loaded back into a fresh state root and run, and read by skopeo as a second reader;
 * several images in one archive; stdout and -o give the same bytes; bad input leaves no file.
 */
const SKOPEO = '/usr/bin/skopeo';
const run = promisify(execFile);
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let work: string;
let busyboxLayout: string;
let busyboxManifest: string;
let busyboxDiffId: string;
let busyboxImageId: string;
let extra: BuiltImage; // busybox + one small layer, tagged extra:1
const roots: Array<() => void> = [];

function newRoot(): string {
  const { root, cleanup } = makeStateRoot();
  roots.push(cleanup);
  return root;
}

const mb = (root: string, args: string[]): Promise<Result> => minibox(args, { root, timeoutMs: 60_000 });

async function storeWithImages(): Promise<string> {
  const root = newRoot();
  expect((await mb(root, ['load', '-i', busyboxLayout])).code).toBe(0);
  expect((await mb(root, ['load', '-i', extra.layoutDir])).code).toBe(0);
  return root;
}

/** name → bytes of every file in a tar. */
async function tarFiles(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (h.type === 'file') out.set(h.name, Buffer.concat(chunks));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  createReadStream(file).pipe(ex);
  await done;
  return out;
}

beforeAll(async () => {
  if (!existsSync(SKOPEO)) throw new Error(`${SKOPEO} is missing: the save tests read archives back with skopeo (MINIBOX_SETUP_BENCH=1 ./scripts/setup.sh installs it)`);
  busyboxLayout = await ensureBusyboxLayout();
  const { manifestDigest, manifest, config } = await readLayout(busyboxLayout);
  busyboxManifest = manifestDigest;
  busyboxImageId = manifest.config.digest;
  busyboxDiffId = config.rootfs.diff_ids[0];
  work = mkdtempSync(path.join(os.tmpdir(), 'save-test-'));
  extra = await buildImage({ base: 'busybox', name: 'docker.io/library/extra:1', layers: [[{ path: 'etc/extra', type: 'file', content: 'extra layer\n' }]] });
}, 120_000);

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  if (extra) rmSync(extra.layoutDir, { recursive: true, force: true });
});

afterEach(() => {
  for (const cleanup of roots.splice(0)) cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('minibox save', () => {
  it("writes Docker's archive: manifest.json, repositories and an OCI layout over plain-tar layers named by diffID", async () => {
    const root = await storeWithImages();
    const file = path.join(work, 'docker.tar');
    const r = await mb(root, ['save', '-o', file, 'busybox', 'extra:1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const files = await tarFiles(file);
    const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? '') as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    expect(manifest.map((m) => m.RepoTags)).toEqual([['busybox:latest'], ['extra:1']]);
    expect(manifest[1]?.Layers).toEqual(extra.diffIds.map((d) => `blobs/sha256/${d.slice(7)}`));
    for (const m of manifest) {
      for (const l of m.Layers) expect(sha256(files.get(l) ?? Buffer.alloc(0))).toBe(`sha256:${path.basename(l)}`); // uncompressed: digest = diffID
      expect(sha256(files.get(m.Config) ?? Buffer.alloc(0))).toBe(`sha256:${path.basename(m.Config)}`);
    }
    expect(JSON.parse(files.get('repositories')?.toString() ?? '')).toEqual({ busybox: { latest: busyboxDiffId.slice(7) }, extra: { '1': extra.diffIds[1]?.slice(7) } });
    const index = JSON.parse(files.get('index.json')?.toString() ?? '') as { manifests: Array<{ annotations: Record<string, string> }> };
    expect(index.manifests.map((m) => m.annotations)).toEqual([
      { 'io.containerd.image.name': 'docker.io/library/busybox:latest', 'org.opencontainers.image.ref.name': 'latest' },
      { 'io.containerd.image.name': 'docker.io/library/extra:1', 'org.opencontainers.image.ref.name': '1' },
    ]);
    expect(files.get('oci-layout')?.toString()).toBe('{"imageLayoutVersion": "1.0.0"}');

    // skopeo reads both images of it as docker-archive
    for (const [name, layers] of [['busybox:latest', [busyboxDiffId]], ['extra:1', extra.diffIds]] as const) {
      const { stdout } = await run(SKOPEO, ['inspect', `docker-archive:${file}:${name}`]);
      expect((JSON.parse(stdout) as { Layers: string[] }).Layers).toEqual(layers);
    }

    // and the archive loads back into a fresh store (minibox's own reader), both images
    // sharing the busybox layer file, and each runs
    const fresh = newRoot();
    const loaded = await mb(fresh, ['load', '-i', file]);
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toBe('Loaded image: busybox:latest\nLoaded image: extra:1\n');
    const ran = await mb(fresh, ['run', '--rm', 'extra:1', 'cat', '/etc/extra']);
    expect(ran.stdout).toBe('extra layer\n');
    expect((await mb(fresh, ['run', '--rm', 'busybox', 'echo', 'busybox too'])).stdout).toBe('busybox too\n');
    expect((await mb(fresh, ['images', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort()).toEqual([extra.imageId, busyboxImageId].sort());
  });

  it('--format oci keeps the stored blobs, so the manifest digest is the image\'s own; it loads back and skopeo reads it', async () => {
    const root = await storeWithImages();
    const file = path.join(work, 'oci.tar');
    expect((await mb(root, ['save', '--format', 'oci', '-o', file, 'busybox:latest'])).code).toBe(0);
    const files = await tarFiles(file);
    expect(files.has('manifest.json')).toBe(false);
    const index = JSON.parse(files.get('index.json')?.toString() ?? '') as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]?.digest).toBe(busyboxManifest);
    expect(index.manifests[0]?.annotations['org.opencontainers.image.ref.name']).toBe('latest');

    const { stdout } = await run(SKOPEO, ['inspect', `oci-archive:${file}:latest`]);
    expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(busyboxManifest);

    const fresh = newRoot();
    expect((await mb(fresh, ['load', '-i', file])).stdout).toBe('Loaded image: busybox:latest\n');
    const ran = await mb(fresh, ['run', '--rm', 'busybox', 'echo', 'from oci']);
    expect(ran.stdout).toBe('from oci\n');
  });

  it('--format oci with several images: each in index.json, a shared layer stored once; all load back and run', async () => {
    const root = await storeWithImages();
    const file = path.join(work, 'oci-several.tar');
    const r = await mb(root, ['save', '--format', 'oci', '-o', file, 'busybox', 'extra:1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = await tarFiles(file);
    const index = JSON.parse(files.get('index.json')?.toString() ?? '') as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests.map((m) => [m.digest, m.annotations['io.containerd.image.name']])).toEqual([
      [busyboxManifest, 'docker.io/library/busybox:latest'],
      [extra.manifestDigest, 'docker.io/library/extra:1'],
    ]);
    const { manifest: busyboxOci } = await readLayout(busyboxLayout);
    const sharedLayer = `blobs/sha256/${(busyboxOci.layers[0].digest as string).slice(7)}`;
    const names = (await run('tar', ['tf', file])).stdout.split('\n'); // every entry, repeats too
    expect(names.filter((n) => n === sharedLayer)).toHaveLength(1);
    for (const [name, blob] of files) if (name.startsWith('blobs/sha256/')) expect(sha256(blob)).toBe(`sha256:${path.basename(name)}`);

    const { stdout } = await run(SKOPEO, ['inspect', `oci-archive:${file}:1`]);
    expect((JSON.parse(stdout) as { Digest: string }).Digest).toBe(extra.manifestDigest);

    const fresh = newRoot();
    expect((await mb(fresh, ['load', '-i', file])).stdout).toBe('Loaded image: busybox:latest\nLoaded image: extra:1\n');
    expect((await mb(fresh, ['run', '--rm', 'extra:1', 'cat', '/etc/extra'])).stdout).toBe('extra layer\n');
    expect((await mb(fresh, ['run', '--rm', 'busybox', 'echo', 'busybox too'])).stdout).toBe('busybox too\n');
  });

  it('streams to a redirected stdout the same bytes as -o; a bare repository name saves all its tags', async () => {
    const root = await storeWithImages();
    expect((await mb(root, ['tag', 'extra:1', 'extra:2'])).code).toBe(0);
    const file = path.join(work, 'file.tar');
    expect((await mb(root, ['save', '-o', file, 'extra'])).code).toBe(0);
    const piped = path.join(work, 'piped.tar');
    const out = createWriteStream(piped);
    await new Promise<void>((resolve) => out.once('open', () => resolve()));
    const child = spawn(process.execPath, ['--', MINIBOX_BIN, 'save', 'extra'], { env: { ...process.env, MINIBOX_ROOT: root }, stdio: ['ignore', out, 'pipe'] });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    out.close();
    expect(code).toBe(0);
    expect(sha256(await fs.readFile(piped))).toBe(sha256(await fs.readFile(file)));
    const manifest = JSON.parse((await tarFiles(file)).get('manifest.json')?.toString() ?? '') as Array<{ RepoTags: string[] }>;
    expect(manifest.map((m) => m.RepoTags)).toEqual([['extra:1', 'extra:2']]);
  });

  it('an unknown image or format fails with one line, exit 1, and leaves no file', async () => {
    const root = await storeWithImages();
    const file = path.join(work, 'bad.tar');
    const r = await mb(root, ['save', '-o', file, 'busybox', 'nothere:1']);
    expect(r.stderr).toBe('minibox: No such image: nothere:1\n');
    expect(r.code).toBe(1);
    const fmt = await mb(root, ['save', '--format', 'zip', '-o', file, 'busybox']);
    expect(fmt.stderr).toBe('minibox: invalid --format "zip": use docker or oci\n');
    expect(fmt.code).toBe(1);
    expect((await fs.readdir(work)).filter((n) => n.includes('bad.tar'))).toEqual([]);
  });
});
