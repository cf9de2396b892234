import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ensureStoreDir, type StatePaths } from '../util/paths.js';
import { errnoCode, MiniboxError } from '../util/errors.js';
import type { LayerCompression } from '../layer/unpack.js';
import { digestHex, sha256Of } from '../oci-format/digest.js';
import type { LayerFs } from '../layer/syscalls.js';
import { scratchName } from './tmp-dirs.js';
import { trace, traceStep } from '../util/trace-events.js';

/**
 * Snapshots: each layer unpacked once into snapshots/<hex of its chainID>/, shared by every
 * image whose stack starts with the same layers, and used read-only as overlayfs lower dirs.
 * The directory is named by the hex alone because overlayfs splits lowerdir= on ':'.
 * A snapshot appears by rename only after its diffID checked out, so one that exists is
 * complete and is never unpacked again.
 */

/** OCI image-spec chainID: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) out.push(chainIdOf(out[out.length - 1], diffId));
  return out;
}

/** The chainID of a layer on top of `parentChainId` (undefined: the bottom layer). */
export function chainIdOf(parentChainId: string | undefined, diffId: string): string {
  return parentChainId === undefined ? diffId : sha256Of(`${parentChainId} ${diffId}`);
}

export function snapshotDir(paths: StatePaths, chainId: string): string {
  return path.join(paths.snapshots, digestHex(chainId));
}

export async function hasSnapshot(paths: StatePaths, chainId: string): Promise<boolean> {
  try {
    return (await fs.stat(snapshotDir(paths, chainId))).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

export interface SnapshotSource {
  chainId: string;
  diffId: string; // what the image config promises (rootfs.diff_ids)
  blobDigest: string; // named in errors
  blobFile: string;
  compression: LayerCompression;
  layerFs?: LayerFs;
}

export interface StagedSnapshot {
  chainId: string;
  tmpDir: string;
  bytes: number; // uncompressed content size, for `images` SIZE
}

/** Unpack a layer into snapshots/<hex>.tmp-<owner>-<random> and verify its diffID; on failure nothing is left. */
export async function stageSnapshot(paths: StatePaths, src: SnapshotSource): Promise<StagedSnapshot> {
  return stageSnapshotFrom(paths, src, () => createReadStream(src.blobFile));
}

/**
 * The same from a stream of the (compressed) blob, e.g. bytes still arriving from a
 * registry. `open` is called once the tmp dir exists; the stream is consumed to its end.
 */
export async function stageSnapshotFrom(
  paths: StatePaths,
  src: Omit<SnapshotSource, 'blobFile'>,
  open: () => Readable,
): Promise<StagedSnapshot> {
  // the owner in the name lets a later load/pull remove it should this process be killed
  const tmpDir = `${snapshotDir(paths, src.chainId)}.${scratchName('tmp')}`;
  try {
    // snapshots/ is 0700 (util/paths.ts): what a layer brings, setuid files and device
    // nodes included, is never reachable by another user; the layer root itself is 0755,
    // the mode an image's / has.
    ensureStoreDir(paths, paths.snapshots);
    await fs.mkdir(tmpDir, { mode: 0o755 });
    // loaded here: `run` of an unpacked image never needs zlib, the workers or the unpacker
    const { unpackLayer } = await import('../layer/unpack.js');
    const result = await unpackLayer(open(), src.compression, tmpDir, src.layerFs ? { fs: src.layerFs } : undefined);
    if (result.diffId !== src.diffId) {
      throw new MiniboxError(`digest mismatch for layer ${src.blobDigest}: uncompressed content is ${result.diffId}, image config says ${src.diffId}`);
    }
    return { chainId: src.chainId, tmpDir, bytes: result.stats.bytes };
  } catch (err) {
    await fs.rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

/** Publish a staged snapshot. If another load got there first, its copy wins and ours goes. */
export async function commitSnapshot(paths: StatePaths, staged: StagedSnapshot): Promise<void> {
  try {
    await fs.rename(staged.tmpDir, snapshotDir(paths, staged.chainId));
    if (trace.on) traceStep({ step: 'unpack layer', target: snapshotDir(paths, staged.chainId), value: `(${staged.bytes} bytes, diffID checked)`, concept: 'layers' });
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    await discardSnapshot(staged);
  }
}

export async function discardSnapshot(staged: StagedSnapshot): Promise<void> {
  await fs.rm(staged.tmpDir, { recursive: true, force: true });
}

/** Remove a snapshot: first renamed aside so a half-deleted tree never passes for a complete one. */
export async function removeSnapshot(paths: StatePaths, chainId: string): Promise<void> {
  const dir = snapshotDir(paths, chainId);
  const doomed = `${dir}.rm-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(dir, doomed);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  await fs.rm(doomed, { recursive: true, force: true });
}

/** Bytes of regular files under a snapshot, for images whose snapshot predates their record. */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else if (e.isFile()) total += (await fs.lstat(p)).size;
  }
  return total;
}
