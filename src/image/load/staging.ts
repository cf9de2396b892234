import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import type { StatePaths } from '../../util/paths.js';
import { MiniboxError } from '../../util/errors.js';
import type { ImageConfig } from '../config.js';
import type { LayerCompression } from '../../layer/unpack.js';
import { blobPath, commitBlob, hasBlob, stageBlob, stageBlobCopy, stageBlobFile, type Expect, type StagedBlob } from '../blobs.js';
import { commitSnapshot, discardSnapshot, hasSnapshot, stageSnapshot, type StagedSnapshot } from '../snapshots.js';
import type { LayerFs } from '../../layer/syscalls.js';

/**
 * One load's scratch state. Everything the load brings is verified into the staging dir
 * (blobs) or into snapshots/<hex>.tmp-* (unpacked layers) first; nothing becomes visible
 * in the store until commit, so a corrupt input leaves no trace once cleanup() ran.
 */
export interface BlobRef {
  digest: string;
  size: number;
  file: string; // staged copy, or the store's own copy if it was already there
}

export interface ImageLayer {
  blob: BlobRef;
  mediaType: string;
  compression: LayerCompression;
  diffId: string;
  chainId: string;
}

/** An image whose bytes are all verified and staged, ready for commit. */
export interface StagedImage {
  names: string[]; // normalised refs
  manifest: BlobRef;
  manifestMediaType: string;
  config: BlobRef;
  parsedConfig: ImageConfig;
  layers: ImageLayer[];
}

export class Staging {
  private readonly blobs = new Map<string, StagedBlob>(); // staged, by digest
  private readonly existing = new Set<string>(); // blobs the store already had
  private readonly snapshots = new Map<string, StagedSnapshot | 'existing'>(); // by chainID
  private readonly byFile = new Map<string, BlobRef>();

  /** `owned`: the source files are our own extraction in tmp/ and may be moved, not copied. */
  constructor(
    readonly paths: StatePaths,
    readonly dir: string,
    private readonly owned: boolean,
    private readonly layerFs?: LayerFs,
  ) {}

  private async known(digest: string | undefined): Promise<BlobRef | undefined> {
    if (!digest) return undefined;
    const staged = this.blobs.get(digest);
    if (staged) return staged;
    if (!(await hasBlob(this.paths, digest))) return undefined;
    // Already in the store: that copy was verified when it arrived; the input's is not used.
    this.existing.add(digest);
    const file = blobPath(this.paths, digest);
    return { digest, size: (await fs.stat(file)).size, file };
  }

  private remember(staged: StagedBlob): BlobRef {
    const prior = this.blobs.get(staged.digest);
    if (prior) return prior;
    this.blobs.set(staged.digest, staged);
    return staged;
  }

  /** Verify a member file of the input against `expect` and stage it. */
  async blobFromFile(file: string, expect: Expect): Promise<BlobRef> {
    const seen = this.byFile.get(file);
    if (seen) return seen;
    const ref =
      (await this.known(expect.digest)) ??
      this.remember(this.owned ? await stageBlobFile(this.dir, file, expect) : await stageBlobCopy(this.dir, file, expect));
    this.byFile.set(file, ref);
    return ref;
  }

  /** Stage bytes already in memory and verified by the caller (manifests, configs). */
  async blobFromBytes(bytes: Buffer, expect: Expect): Promise<BlobRef> {
    return (await this.known(expect.digest)) ?? this.remember(await stageBlob(this.dir, Readable.from([bytes]), expect));
  }

  /** Unpack a layer into a staged snapshot unless the store (or this load) already has it. */
  async snapshot(layer: ImageLayer): Promise<void> {
    if (this.snapshots.has(layer.chainId)) return;
    if (await hasSnapshot(this.paths, layer.chainId)) {
      this.snapshots.set(layer.chainId, 'existing');
      return;
    }
    const staged = await stageSnapshot(this.paths, {
      chainId: layer.chainId,
      diffId: layer.diffId,
      blobDigest: layer.blob.digest,
      blobFile: layer.blob.file,
      compression: layer.compression,
      ...(this.layerFs ? { layerFs: this.layerFs } : {}),
    });
    this.snapshots.set(layer.chainId, staged);
  }

  /** A blob the caller verified into this staging dir itself (pull streams layers in). */
  adoptBlob(staged: StagedBlob): BlobRef {
    return this.remember(staged);
  }

  /** A snapshot the caller staged itself, or 'existing' for one the store already has. */
  adoptSnapshot(chainId: string, staged: StagedSnapshot | 'existing'): void {
    if (!this.snapshots.has(chainId)) this.snapshots.set(chainId, staged);
    else if (staged !== 'existing') void discardSnapshot(staged); // a duplicate layer: one copy is enough
  }

  /** Uncompressed size of a snapshot this load unpacked (undefined if it was already there). */
  unpackedSize(chainId: string): number | undefined {
    const s = this.snapshots.get(chainId);
    return s && s !== 'existing' ? s.bytes : undefined;
  }

  /** Publish blobs, then snapshots, staged since the last call. Call with the store lock held. */
  async commitContent(): Promise<void> {
    for (const digest of this.existing) {
      if (!(await hasBlob(this.paths, digest))) throw concurrentChange(`blob ${digest}`);
    }
    for (const staged of this.blobs.values()) await commitBlob(this.paths, staged);
    this.blobs.clear();
    for (const [chainId, s] of this.snapshots) {
      if (s === 'existing') {
        if (!(await hasSnapshot(this.paths, chainId))) throw concurrentChange(`snapshot ${chainId}`);
        continue;
      }
      if (s.tmpDir === '') continue; // committed by an earlier call (pull commits layer by layer)
      await commitSnapshot(this.paths, s);
      this.snapshots.set(chainId, { ...s, tmpDir: '' });
    }
  }

  /** Remove whatever was not committed: the staging dir and any staged snapshot dirs. */
  async cleanup(): Promise<void> {
    for (const s of this.snapshots.values()) {
      if (s !== 'existing' && s.tmpDir) await discardSnapshot(s);
    }
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

function concurrentChange(what: string): MiniboxError {
  return new MiniboxError(`${what} was removed while this image was loading (concurrent rmi?); run the load again`);
}
