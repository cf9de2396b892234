import type { ImageRow } from '../../engine/images.js';
import { humanSize } from './bytes.js';
import { ago } from './duration.js';
import { formatTable } from './table.js';

/**
 * `minibox images` as Docker prints it (its formatter's tabwriter: min width 10, padding 3),
 * with `--digests` a DIGEST column after TAG, and the fields a `--format` template sees.
 */
type Row = ImageRow & { digest?: string };

function shortImageId(id: string, noTrunc: boolean): string {
  return noTrunc ? id : id.replace(/^sha256:/, '').slice(0, 12);
}

export function formatImagesTable(rows: Row[], opts: { noTrunc: boolean; now: number; digests?: boolean }): string {
  const digest = (r: Row) => (opts.digests ? [r.digest || '<none>'] : []);
  const cells = rows.map((r) => [r.repository, r.tag, ...digest(r), shortImageId(r.imageId, opts.noTrunc), ago(r.created, opts.now), humanSize(r.size)]);
  return formatTable(['REPOSITORY', 'TAG', ...(opts.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'], cells, { minWidth: 10 });
}

export function formatImageIds(rows: ImageRow[], opts: { noTrunc: boolean }): string {
  return rows.map((r) => `${shortImageId(r.imageId, opts.noTrunc)}\n`).join('');
}

/** Docker's image formatter's column names, for a `table` template's header. */
export const IMAGE_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  ID: 'IMAGE ID',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'SIZE',
};

/** Go's time.Time String() in UTC, as Docker's .CreatedAt prints: `2024-01-02 03:04:05 +0000 UTC`. */
export function goTimeString(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (!(Number.isFinite(t) && t > 0)) return '0001-01-01 00:00:00 +0000 UTC';
  return `${new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;
}

/** One image as a `--format` template (and `--format json`) sees it: Docker's field names and texts. */
export function imageFormatView(r: Row, opts: { noTrunc: boolean; now: number }): Record<string, string> {
  return {
    Containers: 'N/A',
    CreatedAt: goTimeString(r.created),
    CreatedSince: ago(r.created, opts.now),
    Digest: r.digest || '<none>',
    ID: shortImageId(r.imageId, opts.noTrunc),
    Repository: r.repository,
    SharedSize: 'N/A',
    Size: humanSize(r.size),
    Tag: r.tag,
    UniqueSize: 'N/A',
    VirtualSize: humanSize(r.size),
  };
}
