import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { StatePaths } from '../../util/paths.js';
import { MiniboxError, describe } from '../../util/errors.js';
import { writeDockerArchive } from './docker-archive.js';
import { writeOciArchive } from './oci-archive.js';
import { resolveSaveItems, type SaveItem } from './save-items.js';
import { TarOut } from './tar-out.js';

/**
 * `minibox save`: images out of the store as one tar, streamed to a file or to any
 * writable (stdout). A file appears only whole: it is written next to its final name and
 * renamed at the end (0600, as Docker's atomic writer makes it); a failure removes it. On a
 * stream a failure stops the archive before its end-of-archive marker, so no reader takes
 * a truncated archive for a complete one.
 */
export type SaveFormat = 'docker' | 'oci';

export interface SaveOptions {
  format: SaveFormat;
  output: { file: string } | { stream: Writable };
}

async function writeArchive(paths: StatePaths, format: SaveFormat, items: SaveItem[], dest: Writable, end = true): Promise<void> {
  const out = new TarOut(dest, { end });
  try {
    if (format === 'oci') await writeOciArchive(paths, out, items);
    else await writeDockerArchive(paths, out, items);
    await out.finish();
  } catch (err) {
    out.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

async function toFile(paths: StatePaths, format: SaveFormat, items: SaveItem[], file: string): Promise<void> {
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let stream: Writable;
  try {
    stream = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  } catch (err) {
    throw new MiniboxError(`failed to save image: ${describe(err)}`, 1);
  }
  try {
    await writeArchive(paths, format, items, stream);
    await fs.rename(tmp, target);
  } catch (err) {
    stream.destroy();
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function saveImages(paths: StatePaths, inputs: string[], opts: SaveOptions): Promise<void> {
  const items = await resolveSaveItems(paths, inputs);
  if ('file' in opts.output) await toFile(paths, opts.format, items, opts.output.file);
  else await writeArchive(paths, opts.format, items, opts.output.stream, false);
}
