import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findImage, displayName } from '../image/resolve.js';
import { parseHistory, readImageConfigJson } from '../image/image-history.js';

/**
 * `minibox history IMAGE`: the image config's history, newest first, as Docker's daemon
 * serves it: each entry that made a layer takes the next layer's size (0 for an
 * `empty_layer` one); the top row carries the image's ID and the rest `<missing>` (minibox
 * keeps no intermediate images, as with any pulled image in Docker).
 */
export interface HistoryRow {
  id: string; // sha256:<hex> on the top row, else '<missing>'
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
  if (rows[0]) rows[0].id = record.id;
  return rows;
}
