import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packDirectory } from '../../../src/layer/pack.js';
import { discardLayer, storeLayer } from '../../../src/image/new-layer.js';
import { chainIdOf } from '../../../src/image/snapshots.js';
import { writeImage } from '../../../src/image/new-image.js';
import { blobPath, readBlobText } from '../../../src/image/blobs.js';
import { listImageRecords, readImageRecord, readRef } from '../../../src/image/index-store.js';
import { removeSnapshot, snapshotDir } from '../../../src/image/snapshots.js';
import { resolveImageForRun } from '../../../src/image/resolve.js';
import { statePaths, type StatePaths } from '../../../src/util/paths.js';
import { sha256Of } from '../../../src/oci-format/digest.js';

/**
 * A packed layer into the store and an image made of it: what commit and build end with.
 * Real files in a temp state root (as root: snapshots keep owners and device nodes).
 */

let base: string;
let paths: StatePaths;

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-newimg-'));
  paths = statePaths(path.join(base, 'root'));
});

afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

async function layerOf(files: Record<string, string>, parent?: string) {
  const dir = fs.mkdtempSync(path.join(base, 'tree-'));
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), body);
  }
  const packed = await packDirectory(dir, path.join(base, `${path.basename(dir)}.tgz`), { kind: 'plain', epoch: 0 });
  return { packed, record: await storeLayer(paths, packed, parent) };
}

function configFor(diffIds: string[], extra: object = {}): object {
  return {
    architecture: 'amd64',
    os: 'linux',
    created: '2026-12-02T00:00:00Z',
    config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: '2026-12-02T00:00:00Z', created_by: `step ${i}` })),
    ...extra,
  };
}

describe('storeLayer', () => {
  it('moves the blob into the store and unpacks its snapshot under the chainID', async () => {
    const { packed, record } = await layerOf({ 'etc/motd': 'hello\n' });
    expect(record).toMatchObject({ digest: packed.digest, diffId: packed.diffId, chainId: packed.diffId, size: packed.size, unpackedSize: 6 });
    expect(record.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(fs.existsSync(blobPath(paths, packed.digest))).toBe(true);
    expect(fs.existsSync(packed.file)).toBe(false);
    expect(fs.readFileSync(path.join(snapshotDir(paths, record.chainId), 'etc/motd'), 'utf8')).toBe('hello\n');
    expect(fs.readdirSync(paths.tmp)).toEqual([]);
  });

  it('names a layer above another by the OCI chainID', async () => {
    const low = await layerOf({ a: '1' });
    const high = await layerOf({ b: '2' }, low.record.chainId);
    expect(high.record.chainId).toBe(sha256Of(`${low.record.chainId} ${high.packed.diffId}`));
    expect(chainIdOf(undefined, low.packed.diffId)).toBe(low.packed.diffId);
  });

  it('refuses a blob changed after packing, and leaves neither blob nor snapshot', async () => {
    const dir = path.join(base, 't');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'x'), 'x');
    const packed = await packDirectory(dir, path.join(base, 'x.tgz'), { kind: 'plain' });
    const other = await packDirectory(dir, path.join(base, 'y.tgz'), { kind: 'plain', level: 1 });
    fs.renameSync(other.file, packed.file); // same tar, other gzip bytes
    await expect(storeLayer(paths, packed, undefined)).rejects.toThrow(/changed after it was written/);
    expect(fs.existsSync(paths.blobs) ? fs.readdirSync(paths.blobs) : []).toEqual([]);
    expect(fs.readdirSync(paths.snapshots)).toEqual([]);
  });
});

describe('discardLayer', () => {
  it('removes a layer no image came to use, and keeps one an image names', async () => {
    const unused = await layerOf({ u: 'unused' });
    await discardLayer(paths, unused.record);
    expect(fs.existsSync(blobPath(paths, unused.record.digest))).toBe(false);
    expect(fs.existsSync(snapshotDir(paths, unused.record.chainId))).toBe(false);
    const used = await layerOf({ k: 'kept' });
    await writeImage(paths, { config: configFor([used.packed.diffId]), layers: [used.record], tags: [] });
    await discardLayer(paths, used.record);
    expect(fs.existsSync(blobPath(paths, used.record.digest))).toBe(true);
    expect(fs.existsSync(snapshotDir(paths, used.record.chainId))).toBe(true);
  });
});

describe('writeImage', () => {
  it('writes config, OCI manifest, record and tags; run can resolve the image', async () => {
    const l1 = await layerOf({ a: 'one' });
    const l2 = await layerOf({ b: 'two' }, l1.record.chainId);
    const config = configFor([l1.packed.diffId, l2.packed.diffId]);
    const img = await writeImage(paths, { config, layers: [l1.record, l2.record], tags: ['mine', 'example.com/x/y:v1'] });
    expect(img.id).toBe(sha256Of(JSON.stringify(config)));
    expect(img.names).toEqual(['docker.io/library/mine:latest', 'example.com/x/y:v1']);
    const manifest = JSON.parse(await readBlobText(paths, img.manifestDigest)) as Record<string, unknown>;
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: img.id, size: JSON.stringify(config).length },
      layers: [l1.record, l2.record].map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    });
    const record = await readImageRecord(paths, img.id);
    expect(record).toMatchObject({ id: img.id, manifestDigest: img.manifestDigest, size: 6, created: '2026-12-02T00:00:00Z', os: 'linux' });
    expect(await readRef(paths, 'docker.io/library/mine:latest')).toBe(img.id);
    const run = await resolveImageForRun(paths, 'mine');
    expect(run.snapshotDirs).toEqual([snapshotDir(paths, l1.record.chainId), snapshotDir(paths, l2.record.chainId)]);
  });

  it('moves a tag off the image it named before, and says so', async () => {
    const l = await layerOf({ a: '1' });
    const first = await writeImage(paths, { config: configFor([l.packed.diffId]), layers: [l.record], tags: ['t'] });
    const second = await writeImage(paths, { config: configFor([l.packed.diffId], { author: 'me' }), layers: [l.record], tags: ['t'] });
    expect(second.replaced).toEqual([{ ref: 'docker.io/library/t:latest', previousId: first.id }]);
  });

  it('refuses configs that do not match the layers, and digest tags, writing nothing', async () => {
    const l = await layerOf({ a: '1' });
    await expect(writeImage(paths, { config: configFor([]), layers: [l.record], tags: [] })).rejects.toThrow(/diff_ids/);
    const badHistory = { ...configFor([l.packed.diffId]), history: [{ created_by: 'x' }, { created_by: 'y' }] };
    await expect(writeImage(paths, { config: badHistory, layers: [l.record], tags: [] })).rejects.toThrow(/history/);
    await expect(
      writeImage(paths, { config: configFor([l.packed.diffId]), layers: [l.record], tags: [`x@sha256:${'a'.repeat(64)}`] }),
    ).rejects.toThrow(/digest reference/);
    expect(await listImageRecords(paths)).toEqual([]);
    expect(fs.readdirSync(paths.blobs)).toEqual([l.record.digest.slice(7)]);
  });

  it('fails rather than record an image whose layer an rmi removed meanwhile', async () => {
    const l = await layerOf({ a: '1' });
    await removeSnapshot(paths, l.record.chainId);
    await expect(writeImage(paths, { config: configFor([l.packed.diffId]), layers: [l.record], tags: ['gone'] })).rejects.toThrow(/was removed/);
    expect(await readRef(paths, 'docker.io/library/gone:latest')).toBeUndefined();
    expect(await listImageRecords(paths)).toEqual([]);
  });
});
