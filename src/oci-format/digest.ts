import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { MiniboxError } from '../util/errors.js';

/**
 * Content digests. minibox only speaks sha256 (what every image in the wild uses); other
 * algorithms are rejected up front rather than mis-verified later.
 */
const SHA256 = /^sha256:([0-9a-f]{64})$/;

export function isDigest(s: string): boolean {
  return SHA256.test(s);
}

/** The hex part of `sha256:<hex>`; throws for anything that is not a sha256 digest. */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m?.[1]) throw new MiniboxError(`invalid digest ${JSON.stringify(digest)}: expected sha256:<64 hex>`);
  return m[1];
}

export function sha256Of(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Digest and size of a file, streamed so layer-sized files never sit in memory. */
export async function digestFile(file: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Docker's short id: the first 12 hex digits. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
