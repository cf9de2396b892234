import type { Command } from 'commander';
import type { DfRow, DiskUsage } from '../../engine/system-df.js';
import { collect } from '../options.js';
import { confirm } from '../prompt.js';
import { humanSize } from '../format/bytes.js';
import { ago } from '../format/duration.js';
import { formatTable } from '../format/table.js';

/**
 * `minibox system df [-v]` and `system prune [-a] [--volumes] [-f]`, Docker's tables and
 * texts: go-units sizes (4 digits), RECLAIMABLE with its integer percentage, the prune's
 * confirmation listing what will go, each prune's "Deleted …:" block, the total at the end.
 */
export function defineSystem(program: Command): void {
  const system = program.command('system').description('Manage minibox');
  system
    .command('df')
    .description('Show minibox disk usage')
    .option('-v, --verbose', 'Show detailed information on space usage', false)
    .action(dfCommand);
  system
    .command('prune')
    .description('Remove unused data')
    .option('-a, --all', 'Remove all unused images not just dangling ones', false)
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .option('--volumes', 'Prune anonymous volumes', false)
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect, [])
    .action(systemPruneCommand);
}

const size = (n: number): string => humanSize(n, 4);

function reclaimable(row: DfRow, percent: boolean): string {
  if (!percent || row.size <= 0) return size(row.reclaimable);
  return `${size(row.reclaimable)} (${Math.trunc((row.reclaimable * 100) / row.size)}%)`;
}

export function formatDf(du: DiskUsage): string {
  const line = (type: string, row: DfRow, percent = true): string[] => [type, String(row.total), String(row.active), size(row.size), reclaimable(row, percent)];
  return formatTable(
    ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
    [line('Images', du.images), line('Containers', du.containers), line('Local Volumes', du.volumes), line('Build Cache', du.buildCache, false)],
    { minWidth: 10 },
  );
}

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export function formatDfVerbose(du: DiskUsage, now: number): string {
  const t = (header: string[], rows: string[][]): string => formatTable(header, rows, { minWidth: 10 });
  let out = 'Images space usage:\n\n';
  out += t(
    ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
    du.images.items.map((i) => [i.repository, i.tag, short(i.id), ago(i.created, now), size(i.size), size(i.sharedSize), size(i.size - i.sharedSize), String(i.containers)]),
  );
  out += '\nContainers space usage:\n\n';
  out += t(
    ['CONTAINER ID', 'IMAGE', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
    du.containers.items.map((c) => [short(c.id), c.image.replace(/^docker\.io\/(library\/)?/, ''), size(c.size), ago(c.created, now), c.status, c.name]),
  );
  out += '\nLocal Volumes space usage:\n\n';
  out += t(['VOLUME NAME', 'LINKS', 'SIZE'], du.volumes.items.map((v) => [v.name, String(v.links), size(v.size)]));
  out += `\nBuild cache usage: ${size(du.buildCache.size)}\n\n`;
  // the classic builder's cache is images: IN USE where Docker's BuildKit shows LAST USED/USAGE
  out += t(
    ['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'IN USE'],
    du.buildCache.items.map((b) => [short(b.id), 'image', size(b.size), ago(b.created, now), b.inUse ? 'true' : 'false']),
  );
  return out;
}

export async function dfCommand(opts: { verbose: boolean }): Promise<void> {
  const { diskUsage } = await import('../../engine/system-df.js');
  const du = await diskUsage();
  process.stdout.write(opts.verbose ? formatDfVerbose(du, Date.now()) : formatDf(du));
}

export async function systemPruneCommand(opts: { all: boolean; force: boolean; volumes: boolean; filter: string[] }): Promise<void> {
  const { systemPrune, systemPruneWarnings } = await import('../../engine/system-prune.js');
  const { parsePruneFilters } = await import('../../engine/image-prune.js');
  parsePruneFilters(opts.filter);
  if (!opts.force) {
    let warning = `WARNING! This will remove:\n${systemPruneWarnings(opts.all, opts.volumes).map((w) => `  - ${w}\n`).join('')}`;
    if (opts.filter.length > 0) warning += `\n  Items to be pruned will be filtered with:\n${opts.filter.map((f) => `  - ${f}\n`).join('')}`;
    if (!(await confirm(warning))) return;
  }
  const r = await systemPrune({ all: opts.all, volumes: opts.volumes, filters: opts.filter });
  const { formatPruneReport } = await import('../format/prune.js');
  const blocks = [['Deleted Containers', r.containers], ['Deleted Networks', r.networks], ['Deleted Volumes', r.volumes], ['Deleted Images', r.images]] as const;
  process.stdout.write(formatPruneReport(blocks, r.reclaimed));
}
