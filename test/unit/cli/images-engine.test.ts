import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { listImageRows } from '../../../src/engine/images.js';
import { recordCache } from '../../../src/build/cache.js';
import { writeBlob } from '../../../src/image/blobs.js';
import { writeImageRecord } from '../../../src/image/index-store.js';
import { stateWithImage } from '../engine/fakes.js';

let cleanup = () => {};
afterEach(() => cleanup());

/** test/app:1 (labelled) plus an untagged step image a build-cache entry names as a parent. */
async function storeWithIntermediate() {
  const s = await stateWithImage({ Labels: { team: 'web' } });
  cleanup = s.cleanup;
  const blob = await writeBlob(s.paths, Readable.from([Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }))]));
  await writeImageRecord(s.paths, {
    id: blob.digest,
    manifestDigest: `sha256:${'e'.repeat(64)}`,
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    layers: [],
    size: 1,
    architecture: 'amd64',
    os: 'linux',
    loadedAt: new Date().toISOString(),
  });
  await recordCache(s.paths, { key: `sha256:${'f'.repeat(64)}`, parent: blob.digest, imageId: s.imageId, createdBy: 'RUN x' });
  return { ...s, stepId: blob.digest };
}

describe('images -a, --filter, --digests (engine)', () => {
  it('hides build intermediates unless -a', async () => {
    const s = await storeWithIntermediate();
    expect((await listImageRows(s.paths)).map((r) => r.imageId)).toEqual([s.imageId]);
    expect((await listImageRows(s.paths, undefined, { all: true })).map((r) => r.imageId).sort()).toEqual([s.imageId, s.stepId].sort());
  });
  it('filters by label and dangling, and gives digests when asked', async () => {
    const s = await storeWithIntermediate();
    expect((await listImageRows(s.paths, undefined, { all: true, filters: ['label=team=web'] })).map((r) => r.repository)).toEqual(['test/app']);
    expect((await listImageRows(s.paths, undefined, { all: true, filters: ['dangling=true'] })).map((r) => r.imageId)).toEqual([s.stepId]);
    const [row] = await listImageRows(s.paths, undefined, { digests: true });
    expect(row?.digest).toBe(`sha256:${'c'.repeat(64)}`);
    await expect(listImageRows(s.paths, undefined, { filters: ['before=nope:1'] })).rejects.toThrow('No such image: nope:1');
  });
});
