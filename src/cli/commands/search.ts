import type { Command } from 'commander';
import type { SearchResult } from '../../engine/search.js';
import { MiniboxError } from '../../util/errors.js';
import { collect } from '../options.js';
import { formatTable } from '../format/table.js';
import { renderTemplate, splitTable } from '../format/template.js';
import { ellipsis } from '../format/ellipsis.js';

/**
 * `minibox search [--limit N] [-f is-official=true|stars=N] [--format T] [--no-trunc] TERM`,
 * printed as Docker's CLI prints it: NAME DESCRIPTION STARS OFFICIAL (Docker 25 dropped
 * AUTOMATED), descriptions on one line and cut to 45 columns with "…" unless --no-trunc.
 * A term starting with a registry host (`127.0.0.1:5000/busybox`) searches that index.
 */
export function defineSearch(program: Command): void {
  program
    .command('search')
    .description('Search Docker Hub for images')
    .argument('<term>')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect, [])
    .option('--limit <n>', 'Max number of search results', (v: string) => parseLimit(v))
    .option('--format <template>', 'Pretty-print search using a Go template')
    .option('--no-trunc', "Don't truncate output")
    .action(searchCommand);
}

function parseLimit(v: string): number {
  if (!/^[+-]?\d+$/.test(v.trim())) throw new MiniboxError(`invalid argument "${v}" for "--limit" flag: strconv.ParseInt: parsing "${v}": invalid syntax`, 125);
  return Number(v);
}

interface Row {
  Name: string;
  Description: string;
  StarCount: string;
  IsOfficial: string;
}

export function searchRows(results: SearchResult[], trunc: boolean): Row[] {
  return results.map((r) => {
    const desc = r.description.replace(/[\r\n]/g, ' ');
    return { Name: r.name, Description: trunc ? ellipsis(desc, 45) : desc, StarCount: String(r.starCount), IsOfficial: r.isOfficial ? '[OK]' : '' };
  });
}

const HEADERS: Record<string, string> = { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL' };

export function formatSearch(rows: Row[], format: string | undefined): string {
  if (format === undefined || format === '' || format === 'table') {
    return formatTable(['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL'], rows.map((r) => [r.Name, r.Description, r.StarCount, r.IsOfficial]), { minWidth: 10 });
  }
  const { header, row } = splitTable(format, HEADERS);
  if (header === undefined) return rows.map((r) => `${renderTemplate(row, r)}\n`).join('');
  const cells = rows.map((r) => renderTemplate(row, r).split('\t'));
  return formatTable(header.split('\t'), cells, { minWidth: 10 });
}

export async function searchCommand(term: string, opts: { filter: string[]; limit?: number; format?: string; trunc?: boolean }): Promise<void> {
  const { search } = await import('../../engine/search.js');
  if (opts.filter.some((f) => f.trim().toLowerCase().startsWith('is-automated='))) {
    process.stderr.write('WARNING: the "is-automated" filter is deprecated, and searching for "is-automated=true" will not yield any results in future.\n');
  }
  const results = await search({ term, filters: opts.filter, ...(opts.limit ? { limit: opts.limit } : {}) });
  process.stdout.write(formatSearch(searchRows(results, opts.trunc !== false), opts.format));
}
