import type { StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { expectObject, isObject, optString, type JsonObject } from '../util/json.js';
import { readBlobText } from './blobs.js';
import { readImageRecord, type ImageRecord } from './index-store.js';

/**
 * An image config's `history` (image-spec config.md): one entry per build step, those with
 * `empty_layer` making no layer. What `history` shows, and what commit and build extend.
 * Also the raw config JSON itself, for the commands that make a new config from an old one
 * and must keep the fields minibox does not model (parseImageConfig keeps only what `run`
 * needs).
 */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export function parseHistory(config: JsonObject): HistoryEntry[] {
  const what = 'image config history';
  const h = config['history'];
  if (h === undefined || h === null) return [];
  if (!Array.isArray(h)) throw new MiniboxError(`invalid ${what}: not an array`);
  return h.map((v) => {
    const o = expectObject(v, what);
    const e: HistoryEntry = {};
    for (const key of ['created', 'created_by', 'author', 'comment'] as const) {
      const s = optString(o, key, what);
      if (s !== undefined) e[key] = s;
    }
    if (o['empty_layer'] === true) e.empty_layer = true;
    return e;
  });
}

/** The image's record and its config JSON as stored (validated as an object, nothing more). */
export async function readImageConfigJson(paths: StatePaths, imageId: string): Promise<{ record: ImageRecord; config: JsonObject }> {
  const record = await readImageRecord(paths, imageId);
  if (!record) throw new MiniboxError(`No such image: ${imageId}`, 1);
  const json: unknown = JSON.parse(await readBlobText(paths, record.id));
  if (!isObject(json)) throw new MiniboxError(`image config ${record.id} is not a JSON object`);
  return { record, config: json };
}
