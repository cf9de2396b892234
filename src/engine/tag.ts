import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError, describe } from '../util/errors.js';
import { parseReference, referenceString, withDefaultTag } from '../oci-format/reference.js';
import { listImageRecords, readImageRecord, setRef, withImageStoreLock } from '../image/index-store.js';
import { displayName, findImage } from '../image/resolve.js';

/**
 * `minibox tag SOURCE TARGET`, with the checks Docker's client makes before asking its
 * daemon (both names parsed, no digest in the target, `:latest` added) and the daemon's
 * "No such image" for a source that is not in the store. A source may also be named by the
 * manifest digest it was pulled or pushed with (`busybox@sha256:…`).
 */
function parseError(input: string, err: unknown): MiniboxError {
  return new MiniboxError(`Error parsing reference: "${input}" is not a valid repository/tag: ${describe(err)}`, 1);
}

/** The image a source names, or undefined. */
export async function findSource(paths: StatePaths, source: string): Promise<string | undefined> {
  const found = await findImage(paths, source);
  if (found && (await readImageRecord(paths, found.imageId))) return found.imageId;
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(source)?.[1];
  if (!digest) return undefined;
  return (await listImageRecords(paths)).find((r) => r.manifestDigest === digest)?.id;
}

export async function tagImage(source: string, target: string, paths: StatePaths = statePaths()): Promise<void> {
  try {
    if (!/^(?:sha256:)?[0-9a-f]{1,64}$/.test(source)) parseReference(source);
  } catch (err) {
    throw parseError(source, err);
  }
  let ref;
  try {
    ref = parseReference(target);
  } catch (err) {
    throw parseError(target, err);
  }
  if (ref.digest) throw new MiniboxError('refusing to create a tag with a digest reference', 1);
  const name = referenceString(withDefaultTag(ref));
  await withImageStoreLock(paths, async () => {
    const imageId = await findSource(paths, source);
    if (!imageId) throw new MiniboxError(`No such image: ${displayName(source)}`, 1);
    await setRef(paths, name, imageId);
  });
}

