import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { StatePaths } from '../../util/paths.js';
import { MiniboxError } from '../../util/errors.js';
import { compressionOf } from '../../layer/unpack.js';
import { zstdDecompressor } from '../../layer/zstd.js';
import { openBlob, type ContentLayer } from './image-content.js';

/**
 * A stored layer as the plain tar docker-archive wants (`docker load` and the tools reading
 * Docker's format expect uncompressed layers, named by their diffID). The store keeps what
 * the registry sent, usually gzip: decompressed on the fly, twice — once to learn the tar's
 * size for its archive header and check its sha256 against the diffID, once to write it —
 * which costs CPU instead of a layer-sized temp file.
 */
export interface PlainLayer {
  diffId: string;
  size: number;
  open(): Promise<Readable>;
}

async function plainStream(paths: StatePaths, layer: ContentLayer): Promise<Readable> {
  const blob = openBlob(paths, layer.digest);
  const compression = compressionOf(layer.mediaType);
  if (compression === 'none') return blob;
  const inflate = compression === 'gzip' ? createGunzip() : await zstdDecompressor(layer.digest);
  blob.on('error', (err) => inflate.destroy(err));
  return blob.pipe(inflate);
}

export async function plainLayer(paths: StatePaths, layer: ContentLayer): Promise<PlainLayer> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of await plainStream(paths, layer)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== layer.diffId) {
    throw new MiniboxError(`layer ${layer.digest} is damaged in the image store: its tar is ${got}, the image says ${layer.diffId}`);
  }
  return { diffId: layer.diffId, size, open: () => plainStream(paths, layer) };
}
