/**
 * `images --filter`: Docker's image list filters over the rows of `images`. `dangling=true`
 * keeps the untagged images, `false` the tagged; `reference=` matches as the REPOSITORY[:TAG]
 * argument does (any of several); `before=`/`since=` an image's creation time against a
 * named image's (which must exist); `label=key` / `label=key=value` the image config's
 * labels (all must hold). A filter Docker does not know is refused before anything is listed.
 */
import { MiniboxError } from '../util/errors.js';
import type { ImageRow } from '../image/list.js';

export type ImageFilterKey = 'dangling' | 'reference' | 'before' | 'since' | 'label';
const KEYS: readonly string[] = ['dangling', 'reference', 'before', 'since', 'label'];

export type ImageFilters = Map<ImageFilterKey, string[]>;

export function parseImageFilters(filters: string[]): ImageFilters {
  const byKey: ImageFilters = new Map();
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new MiniboxError('bad format of filter (expected name=value)', 1);
    const key = f.slice(0, eq).trim().toLowerCase();
    const value = f.slice(eq + 1);
    if (!KEYS.includes(key)) throw new MiniboxError(`invalid filter '${key}'`, 1);
    if (key === 'dangling' && !/^(true|false|1|0)$/i.test(value)) throw new MiniboxError(`invalid filter 'dangling=${value}'`, 1);
    const k = key as ImageFilterKey;
    byKey.set(k, [...(byKey.get(k) ?? []), value]);
  }
  return byKey;
}

/** What the filters need to know beyond the row: the reference matcher, the named images' times, the labels. */
export interface ImageFilterContext {
  matchesReference: (pattern: string, row: ImageRow) => boolean;
  /** The creation time (ms) of the image `before=`/`since=` names. */
  createdOf: (image: string) => number;
  labelsOf: (row: ImageRow) => Record<string, string>;
}

const time = (row: ImageRow): number => (row.created ? Date.parse(row.created) || 0 : 0);

function labelHolds(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  return eq < 0 ? want in labels : labels[want.slice(0, eq)] === want.slice(eq + 1);
}

export function filterImageRows(rows: ImageRow[], filters: ImageFilters, ctx: ImageFilterContext): ImageRow[] {
  const dangling = filters.get('dangling');
  const references = filters.get('reference') ?? [];
  const before = (filters.get('before') ?? []).map(ctx.createdOf);
  const since = (filters.get('since') ?? []).map(ctx.createdOf);
  const labels = filters.get('label') ?? [];
  return rows.filter((row) => {
    if (dangling) {
      const untagged = row.repository === '<none>' && row.tag === '<none>';
      if (!dangling.some((d) => /^(true|1)$/i.test(d) === untagged)) return false;
    }
    if (references.length > 0 && !references.some((p) => ctx.matchesReference(p, row))) return false;
    if (before.some((t) => !(time(row) < t))) return false;
    if (since.some((t) => !(time(row) > t))) return false;
    if (labels.length > 0) {
      const own = ctx.labelsOf(row);
      if (!labels.every((l) => labelHolds(own, l))) return false;
    }
    return true;
  });
}
