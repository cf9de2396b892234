import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureStoreDir, type StatePaths } from '../../util/paths.js';
import { errnoCode, MiniboxError } from '../../util/errors.js';
import { extractArchive } from './archive.js';
import { isDockerSave, stageDockerSave } from './docker-save.js';
import { isOciLayout, stageOciLayout } from './oci-layout.js';
import { Staging, type StagedImage } from './staging.js';
import { commitImages, type LoadResult } from './commit.js';
import type { LayerFs } from '../../layer/syscalls.js';
import { removeStaleScratch, scratchName } from '../tmp-dirs.js';

export type { LoadResult } from './commit.js';

/**
 * `minibox load -i PATH`: PATH is an OCI image layout directory, an OCI archive (a tar of
 * one) or a `docker save` tarball (also accepted extracted into a directory). Archives are
 * streamed into tmp/ first; everything is verified and unpacked into staging, and only a
 * fully good load is committed. A docker save archive that is also an OCI layout (Docker
 * 25+) is read through manifest.json, which carries the tags.
 */
async function inputKind(input: string): Promise<'dir' | 'file'> {
  try {
    const st = await fs.stat(input);
    if (st.isDirectory()) return 'dir';
    if (st.isFile()) return 'file';
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new MiniboxError(`open ${input}: no such file or directory`, 1);
    throw err;
  }
  throw new MiniboxError(`${input}: not a file or directory`, 1);
}

async function stageFrom(root: string, input: string, staging: Staging): Promise<StagedImage[]> {
  if (await isDockerSave(root)) return stageDockerSave(root, input, staging);
  if (await isOciLayout(root)) return stageOciLayout(root, staging);
  throw new MiniboxError(`${input}: not an image: found neither manifest.json (docker save) nor oci-layout and index.json (OCI layout)`);
}

export async function loadImages(paths: StatePaths, input: string, layerFs?: LayerFs): Promise<LoadResult[]> {
  const kind = await inputKind(input);
  await removeStaleScratch(paths).catch(() => undefined); // what killed loads and pulls left
  const dir = path.join(paths.tmp, scratchName('load'));
  ensureStoreDir(paths, paths.tmp); // 0700: archive members and staged layers are private
  await fs.mkdir(dir, { mode: 0o700 });
  const staging = new Staging(paths, path.join(dir, 'blobs'), kind === 'file', layerFs);
  try {
    let root = input;
    if (kind === 'file') {
      root = path.join(dir, 'archive');
      await fs.mkdir(root);
      await extractArchive(input, root);
    }
    const images = await stageFrom(root, input, staging);
    for (const image of images) {
      for (const layer of image.layers) await staging.snapshot(layer);
    }
    return await commitImages(staging, images);
  } finally {
    await staging.cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
