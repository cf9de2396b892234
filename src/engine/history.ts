import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findImage, displayName } from '../image/resolve.js';
import { parseHistory, readImageConfigJson } from '../image/image-history.js';

/**
 * `minibox history IMAGE`: the image config's history, newest first, as Docker's daemon
 * serves it: each entry that made a layer takes the next layer's size (0 for an
 * `empty_layer` one); the top row carries the image's ID. Below it, as Docker's daemon walks
 * an image's Parent chain, each row of a built image carries the step image that made it
 * (the build cache records each step's parent) while that image is still in the store, the
 * base image's top row its ID; the rest are `<missing>` (a pulled image's own history).
 */
export interface HistoryRow {
  id: string; // sha256:<hex> of the image the row is the top of (the image's own, its build parents'), else '<missing>'
  created?: string; // RFC 3339
  createdBy: string;
  size: number; // bytes of the layer, 0 for empty_layer
  comment: string;
}

export async function imageHistory(ref: string, paths = statePaths()): Promise<HistoryRow[]> {
  const found = await findImage(paths, ref);
  if (!found) throw new MiniboxError(`No such image: ${displayName(ref)}`, 1);
  const { record, config } = await readImageConfigJson(paths, found.imageId);
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const h of parseHistory(config)) {
    let size = 0;
    if (!h.empty_layer) {
      const l = record.layers[layer++];
      if (l === undefined) throw new MiniboxError(`image ${displayName(ref)}: its history names more layers than it has`);
      size = l.unpackedSize;
    }
    rows.push({ id: '<missing>', ...(h.created ? { created: h.created } : {}), createdBy: h.created_by ?? '', size, comment: h.comment ?? '' });
  }
  rows.reverse();
  const chain = await (await import('../build/cache.js')).parentChain(paths, record.id);
  chain.slice(0, rows.length).forEach((id, i) => (rows[i]!.id = id));
  return rows;
}
