import { expectObject, isObject, reqString } from '../util/json.js';
import { MiniboxError } from '../util/errors.js';
import { isValidVolumeName } from './names.js';

/**
 * volumes/<name>/volume.json: what a volume is. The data lives beside it in _data, the
 * directory bind-mounted into containers. Who uses a volume is not recorded here: it is
 * read from the containers' config.json mounts, so the two can never disagree.
 */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  created: string; // RFC 3339, seconds (Docker's CreatedAt)
  labels: Record<string, string>;
  anonymous: boolean; // made for one container (-v /path, image VOLUME); `rm -v` and prune remove it
}

const WHAT = 'volume record';

function parseLabels(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v)) throw new MiniboxError(`invalid ${WHAT}: labels is not an object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new MiniboxError(`invalid ${WHAT}: label ${k} is not a string`);
    out[k] = x;
  }
  return out;
}

export function parseVolumeRecord(json: unknown): VolumeRecord {
  const o = expectObject(json, WHAT);
  const name = reqString(o, 'name', WHAT);
  if (!isValidVolumeName(name)) throw new MiniboxError(`invalid ${WHAT}: name ${JSON.stringify(name)}`);
  const driver = reqString(o, 'driver', WHAT);
  if (driver !== 'local') throw new MiniboxError(`invalid ${WHAT}: driver ${driver}`);
  if (o.anonymous !== undefined && typeof o.anonymous !== 'boolean') throw new MiniboxError(`invalid ${WHAT}: anonymous is not a boolean`);
  return { name, driver, created: reqString(o, 'created', WHAT), labels: parseLabels(o.labels), anonymous: o.anonymous === true };
}
