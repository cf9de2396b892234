import type { Command } from 'commander';
import type { HistoryRow } from '../../engine/history.js';
import { humanSize } from '../format/bytes.js';
import { ago } from '../format/duration.js';
import { ellipsis } from '../format/ellipsis.js';
import { formatTable } from '../format/table.js';
import { parseBoolFlag } from '../options.js';

/**
 * `docker history`: IMAGE, CREATED, CREATED BY, SIZE, COMMENT, newest first. CREATED BY is
 * cut to 45 characters with "…" and IDs to 12 digits unless --no-trunc; -H=false prints
 * RFC 3339 times and sizes in bytes; -q only the IDs; --format a template over ID,
 * CreatedSince, CreatedAt, CreatedBy, Size, Comment (`table …` adds the header), or `json`.
 */
export interface HistoryOptions {
  trunc: boolean;
  quiet: boolean;
  human: boolean;
  format?: string;
}

const HEADERS: Record<string, string> = {
  ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT',
};

/** Go's time.Unix(created, 0).Format(time.RFC3339) on a UTC host; no date is the zero of Unix time. */
function rfc3339(iso: string | undefined): string {
  const t = iso ? Date.parse(iso) : NaN;
  const secs = Number.isFinite(t) ? Math.floor(t / 1000) : 0;
  return new Date(secs * 1000).toISOString().replace('.000Z', 'Z');
}

// docker/cli shows no human age for dates before 2000 (reproducible builds' epoch 0)
const HUMAN_SINCE = Date.UTC(2000, 0, 1);

function since(iso: string | undefined, now: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) && t > HUMAN_SINCE ? ago(iso, now) : 'N/A';
}

export function historyFields(r: HistoryRow, opts: HistoryOptions, now: number): Record<string, string> {
  const createdBy = r.createdBy.replace(/\t/g, ' ');
  return {
    ID: opts.trunc && r.id.startsWith('sha256:') ? r.id.slice(7, 19) : r.id,
    CreatedSince: opts.human ? since(r.created, now) : rfc3339(r.created),
    CreatedAt: rfc3339(r.created),
    CreatedBy: opts.trunc ? ellipsis(createdBy, 45) : createdBy,
    Size: opts.human ? humanSize(r.size) : String(r.size),
    Comment: r.comment,
  };
}

export function formatHistory(rows: HistoryRow[], opts: HistoryOptions, now: number): string {
  const fields = rows.map((r) => historyFields(r, opts, now));
  if (opts.quiet) return fields.map((f) => `${f.ID}\n`).join('');
  // -H=false: Docker's table shows CREATED AT instead of CREATED
  const cols = ['ID', opts.human ? 'CreatedSince' : 'CreatedAt', 'CreatedBy', 'Size', 'Comment'] as const;
  return formatTable(cols.map((c) => HEADERS[c] ?? c), fields.map((f) => cols.map((c) => f[c] ?? '')), { minWidth: 10 });
}

export function defineHistory(program: Command): void {
  program
    .command('history')
    .description('Show the history of an image')
    .argument('<image>')
    .option('-H, --human [bool]', 'Print sizes and dates in human readable format', parseBoolFlag, true)
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only show image IDs')
    .option('--format <template>', 'Format output using a Go-template-like string ({{.ID}} {{.CreatedBy}} ...)')
    .action(async (image: string, o: { human: boolean; trunc: boolean; quiet?: boolean; format?: string }) => {
      await historyCommand(image, { human: o.human, trunc: o.trunc, quiet: o.quiet === true, ...(o.format ? { format: o.format } : {}) });
    });
}

export async function historyCommand(image: string, opts: HistoryOptions): Promise<void> {
  const { imageHistory } = await import('../../engine/history.js');
  const rows = await imageHistory(image);
  const now = Date.now();
  if (opts.format === 'json') {
    const keys = ['Comment', 'CreatedAt', 'CreatedBy', 'CreatedSince', 'ID', 'Size'];
    const lines = rows.map((r) => historyFields(r, opts, now)).map((f) => JSON.stringify(Object.fromEntries(keys.map((k) => [k, f[k]]))));
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return;
  }
  if (opts.format && opts.format !== 'table' && !opts.quiet) {
    const { renderTemplate, splitTable } = await import('../format/template.js');
    const { header, row } = splitTable(opts.format, HEADERS);
    const lines = rows.map((r) => renderTemplate(row, historyFields(r, opts, now)));
    process.stdout.write([...(header ? [header] : []), ...lines].map((l) => `${l}\n`).join(''));
    return;
  }
  process.stdout.write(formatHistory(rows, opts, now));
}
