import type { ImageRow } from '../../engine/images.js';
import { humanSize } from './bytes.js';
import { ago } from './duration.js';
import { formatTable } from './table.js';

/** `minibox images` as Docker prints it (its formatter's tabwriter: min width 10, padding 3). */
function shortImageId(id: string, noTrunc: boolean): string {
  return noTrunc ? id : id.replace(/^sha256:/, '').slice(0, 12);
}

export function formatImagesTable(rows: ImageRow[], opts: { noTrunc: boolean; now: number }): string {
  const cells = rows.map((r) => [r.repository, r.tag, shortImageId(r.imageId, opts.noTrunc), ago(r.created, opts.now), humanSize(r.size)]);
  return formatTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], cells, { minWidth: 10 });
}

export function formatImageIds(rows: ImageRow[], opts: { noTrunc: boolean }): string {
  return rows.map((r) => `${shortImageId(r.imageId, opts.noTrunc)}\n`).join('');
}
