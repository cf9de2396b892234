import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode, MiniboxError } from '../../util/errors.js';

/**
 * Paths inside an image archive or layout directory come from untrusted JSON
 * (docker save's manifest.json names its layer files); they must stay inside the root.
 */
export function memberPath(root: string, rel: string, input: string): string {
  const norm = path.posix.normalize(rel.replace(/^\.\//, ''));
  if (norm === '' || norm === '.' || path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
    throw new MiniboxError(`invalid path ${JSON.stringify(rel)} in ${input}: must stay inside the archive`);
  }
  return path.join(root, norm);
}

export async function memberExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/** Read a JSON metadata file (index.json, a manifest, a config), refusing absurd sizes. */
export async function readSmallFile(file: string, what: string, maxBytes = 16 << 20): Promise<Buffer> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new MiniboxError(`${what} not found: ${path.basename(file)} is missing`);
    throw err;
  }
  if (size > maxBytes) throw new MiniboxError(`${what} is too large (${size} bytes)`);
  return fs.readFile(file);
}

export function parseJsonBytes(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new MiniboxError(`invalid ${what}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}
