import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { MiniboxError } from '../../util/errors.js';
import { memberPath } from './member.js';

/**
 * Unpack an image archive (OCI archive or docker save tarball, optionally gzipped as in
 * `docker save | gzip`) into a directory under the store's tmp/, by streaming it through
 * tar-stream: archives have no index, and the formats' JSON often comes after the blobs.
 * Only regular files matter; links between members (docker save links repeated layers) are
 * materialised as hard links so every member is an ordinary file the loader may move.
 */
interface Link {
  name: string;
  target: string; // relative to the archive root
}

async function openMaybeGunzip(file: string): Promise<Readable> {
  const handle = await fs.open(file, 'r');
  const magic = Buffer.alloc(4);
  try {
    await handle.read(magic, 0, 4, 0);
  } finally {
    await handle.close();
  }
  const raw = createReadStream(file);
  if (magic[0] === 0x1f && magic[1] === 0x8b) return raw.pipe(createGunzip());
  if (magic.readUInt32LE(0) === 0xfd2fb528) {
    raw.destroy();
    throw new MiniboxError(`${file}: zstd-compressed archives are not supported; decompress it first`);
  }
  return raw;
}

function linkTarget(name: string, linkname: string, kind: 'symlink' | 'link'): string {
  // Hard link names are relative to the archive root, symlink targets to the link's directory.
  const rel = kind === 'link' ? linkname : path.posix.join(path.posix.dirname(name), linkname);
  return path.posix.normalize(rel);
}

export async function extractArchive(file: string, dest: string): Promise<void> {
  const input = await openMaybeGunzip(file);
  const extract = tar.extract();
  const links: Link[] = [];
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type, linkname } = entry.header;
      if (type === 'file' || type === 'contiguous-file') {
        const out = memberPath(dest, name, file);
        await fs.mkdir(path.dirname(out), { recursive: true });
        await pipeline(entry, createWriteStream(out, { mode: 0o600 }));
        continue;
      }
      if (type === 'directory') await fs.mkdir(memberPath(dest, name, file), { recursive: true });
      else if ((type === 'symlink' || type === 'link') && linkname) links.push({ name, target: linkTarget(name, linkname, type) });
      entry.resume();
    }
  } catch (err) {
    input.destroy();
    if (err instanceof MiniboxError) throw err;
    throw new MiniboxError(`${file}: not a valid image archive (${err instanceof Error ? err.message : String(err)})`);
  }
  await materialiseLinks(dest, links, file);
}

async function materialiseLinks(dest: string, links: Link[], file: string): Promise<void> {
  for (const l of links) {
    const from = memberPath(dest, l.target, file);
    const to = memberPath(dest, l.name, file);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rm(to, { force: true });
    try {
      await fs.link(from, to);
    } catch {
      // A link to something that is not a regular file in the archive: ignore it; if the
      // image needs that member, loading fails later with a clear "missing" error.
    }
  }
}
