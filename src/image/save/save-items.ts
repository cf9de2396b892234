import type { StatePaths } from '../../util/paths.js';
import { MiniboxError } from '../../util/errors.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME } from '../../oci-format/media-types.js';
import { parseReference, referenceString, repositoryName } from '../../oci-format/reference.js';
import { listImageRecords, listRefs, readRef } from '../index-store.js';
import { displayName, findImage } from '../resolve.js';

/**
 * Which images a `save IMAGE…` means, and under which names, as Docker decides: `name:tag`
 * is that tag; a bare repository name is every tag of it; `name@sha256:…` the image with
 * that manifest; an ID (or ID prefix) the image without names. All are resolved before a
 * byte is written, so an unknown name fails the save with nothing produced.
 */
export interface SaveItem {
  input: string; // as typed, for messages
  imageId: string;
  names: string[]; // normalised tagged refs
}

export const OCI_LAYOUT = Buffer.from('{"imageLayoutVersion": "1.0.0"}');

/** The index.json entries of one image: one per name (Docker's annotations), or one without. */
export function indexEntries(desc: { mediaType: string; digest: string; size: number }, names: string[]): object[] {
  if (names.length === 0) return [desc];
  return names.map((n) => ({ ...desc, annotations: { [ANNOTATION_IMAGE_NAME]: n, [ANNOTATION_REF_NAME]: parseReference(n).tag ?? 'latest' } }));
}

function noSuchImage(input: string): MiniboxError {
  return new MiniboxError(`No such image: ${displayName(input)}`, 1);
}

async function resolveOne(paths: StatePaths, input: string): Promise<SaveItem[]> {
  let ref;
  try {
    ref = parseReference(input);
  } catch {
    ref = undefined; // an ID prefix such as sha256:abc is no name
  }
  if (ref && !ref.tag && !ref.digest) {
    const repo = repositoryName(ref);
    const tagged = (await listRefs(paths)).filter((r) => {
      const p = parseReference(r.ref);
      return repositoryName(p) === repo && p.tag !== undefined;
    }).sort((a, b) => a.ref.localeCompare(b.ref));
    if (tagged.length > 0) return tagged.map((r) => ({ input, imageId: r.imageId, names: [r.ref] }));
  }
  if (ref?.tag && !ref.digest) {
    const imageId = await readRef(paths, referenceString(ref));
    if (imageId) return [{ input, imageId, names: [referenceString(ref)] }];
    throw noSuchImage(input);
  }
  if (ref?.digest) {
    const rec = (await listImageRecords(paths)).find((r) => r.manifestDigest === ref.digest || r.id === ref.digest);
    if (rec) return [{ input, imageId: rec.id, names: [] }];
    throw noSuchImage(input);
  }
  const found = await findImage(paths, input);
  if (!found) throw noSuchImage(input);
  return [{ input, imageId: found.imageId, names: found.ref ? [found.ref] : [] }];
}

/** Every input resolved; an image named twice is saved once with all its names. */
export async function resolveSaveItems(paths: StatePaths, inputs: string[]): Promise<SaveItem[]> {
  const byId = new Map<string, SaveItem>();
  for (const input of inputs) {
    for (const item of await resolveOne(paths, input)) {
      const prior = byId.get(item.imageId);
      if (prior) prior.names = [...new Set([...prior.names, ...item.names])];
      else byId.set(item.imageId, { ...item, names: [...item.names] });
    }
  }
  return [...byId.values()];
}
