import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ensureStoreDir, type StatePaths } from '../util/paths.js';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { digestFile, digestHex } from '../oci-format/digest.js';
import { scratchName } from './tmp-dirs.js';
import { fsNow } from '../util/fs-now.js';

/**
 * The content store: blobs/sha256/<hex>, immutable and named by their digest. Nothing
 * enters it unverified: a blob is first written (or moved) into a staging directory on the
 * same filesystem, hashed, checked against the digest its referrer promised, and only then
 * renamed into place, so a reader never sees a partial or wrong blob.
 */
export interface StagedBlob {
  digest: string;
  size: number;
  file: string; // where the verified bytes wait for commitBlob
}

export function blobPath(paths: StatePaths, digest: string): string {
  return path.join(paths.blobs, digestHex(digest));
}

export async function hasBlob(paths: StatePaths, digest: string): Promise<boolean> {
  try {
    return (await fs.stat(blobPath(paths, digest))).isFile();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

function checkDigest(what: string, expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new MiniboxError(`digest mismatch for ${what} ${expected}: got ${actual}`);
  }
}

function checkSize(what: string, digest: string, expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new MiniboxError(`size mismatch for ${what} ${digest}: expected ${expected} bytes, got ${actual}`);
  }
}

export interface Expect {
  digest?: string; // undefined: trust nothing, just compute (docker save layers, checked later)
  size?: number;
  what?: string; // "blob", "layer", "config": named in mismatch errors
}

/** A pass-through stream that hashes (sha256) and counts what goes through it; digestHex() once it ended. */
export function hashingTap(): { stream: Transform; digestHex: () => string; size: () => number } {
  const hash = createHash('sha256');
  let size = 0;
  let hex: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, digestHex: () => (hex ??= hash.digest('hex')), size: () => size };
}

/** Stream `source` into `stagingDir`, hashing on the way; a mismatch leaves no file behind. */
export async function stageBlob(stagingDir: string, source: Readable, expect: Expect = {}): Promise<StagedBlob> {
  if (expect.digest) digestHex(expect.digest);
  await fs.mkdir(stagingDir, { recursive: true });
  const tmp = path.join(stagingDir, `incoming-${randomBytes(8).toString('hex')}`);
  const tap = hashingTap();
  try {
    await pipeline(source, tap.stream, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
    return await settle(stagingDir, tmp, `sha256:${tap.digestHex()}`, tap.size(), expect);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Verify a file that already sits on the store's filesystem (a member just extracted from an
 * archive into tmp/) and take it over by renaming, which saves copying layer-sized files.
 */
export async function stageBlobFile(stagingDir: string, file: string, expect: Expect = {}): Promise<StagedBlob> {
  if (expect.digest) digestHex(expect.digest);
  const { digest, size } = await digestFile(file);
  const what = expect.what ?? 'blob';
  checkDigest(what, expect.digest, digest);
  checkSize(what, digest, expect.size, size);
  const dest = path.join(stagingDir, digestHex(digest));
  await fs.mkdir(stagingDir, { recursive: true });
  await fs.rename(file, dest);
  return { digest, size, file: dest };
}

async function settle(stagingDir: string, tmp: string, digest: string, size: number, expect: Expect): Promise<StagedBlob> {
  const what = expect.what ?? 'blob';
  checkDigest(what, expect.digest, digest);
  checkSize(what, digest, expect.size, size);
  const dest = path.join(stagingDir, digestHex(digest));
  await fs.rename(tmp, dest);
  return { digest, size, file: dest };
}

/** Copy a file from outside the store (an OCI layout directory) into staging, verifying it. */
export async function stageBlobCopy(stagingDir: string, file: string, expect: Expect = {}): Promise<StagedBlob> {
  return stageBlob(stagingDir, createReadStream(file), expect);
}

/** Move a verified blob into blobs/sha256/. If it is already there, the staged copy is dropped. */
export async function commitBlob(paths: StatePaths, staged: StagedBlob): Promise<void> {
  await fs.mkdir(paths.blobs, { recursive: true });
  const dest = blobPath(paths, staged.digest);
  if (await hasBlob(paths, staged.digest)) {
    await fs.rm(staged.file, { force: true });
    return;
  }
  await fs.rename(staged.file, dest);
}

/** Stage and commit in one go, for callers with a single blob (staging under tmp/). */
export async function writeBlob(paths: StatePaths, source: Readable, expect: Expect = {}): Promise<StagedBlob> {
  const dir = path.join(paths.tmp, scratchName('blob'));
  ensureStoreDir(paths, paths.tmp);
  try {
    const staged = await stageBlob(dir, source, expect);
    await commitBlob(paths, staged);
    return { ...staged, file: blobPath(paths, staged.digest) };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function removeBlob(paths: StatePaths, digest: string): Promise<void> {
  await fs.rm(blobPath(paths, digest), { force: true });
}

/** Read a small JSON blob (manifest, config) from the store, capped so a huge file cannot exhaust memory. */
export async function readBlobText(paths: StatePaths, digest: string, maxBytes = 4 << 20): Promise<string> {
  const file = blobPath(paths, digest);
  const st = await fsNow.stat(file).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') throw new MiniboxError(`blob ${digest} is missing from the image store`);
    throw err;
  });
  if (st.size > maxBytes) throw new MiniboxError(`blob ${digest} is too large (${st.size} bytes) to be JSON metadata`);
  return fsNow.readFile(file, 'utf8');
}
