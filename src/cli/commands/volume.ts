import type { Command } from 'commander';
import type { VolumeView } from '../../engine/volume-admin.js';
import { MiniboxError } from '../../util/errors.js';
import { collect } from '../options.js';
import { confirm } from '../prompt.js';

/**
 * `minibox volume create|ls|inspect|rm|prune`, printed as Docker prints them. Errors are
 * the daemon's ("Error response from daemon: …") and exit 1, as Docker's volume commands.
 */
const engine = () => import('../../engine/volume-admin.js');

export function defineVolume(program: Command): void {
  const vol = program.command('volume').description('Manage volumes');
  vol
    .command('create')
    .description('Create a volume')
    .argument('[name]')
    .option('-d, --driver <driver>', 'Specify volume driver name', 'local')
    .option('--label <label>', 'Set metadata for a volume', collect, [])
    .action(daemon((name: string | undefined, opts: { driver: string; label: string[] }) => volumeCreate(name, opts)));
  vol
    .command('ls')
    .alias('list')
    .description('List volumes')
    .option('-q, --quiet', 'Only display volume names', false)
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "dangling=true")', collect, [])
    .option('--format <template>', 'Format output using a Go-template-like string ({{.Name}} {{.Driver}} ...)')
    .action(daemon(volumeLs));
  vol
    .command('inspect')
    .description('Display detailed information on one or more volumes')
    .argument('<volume...>')
    .option('-f, --format <template>', 'Format output using a Go-template-like string')
    .action(async (names: string[], opts: { format?: string }) => {
      process.exitCode = await volumeInspect(names, opts);
    });
  vol
    .command('rm')
    .alias('remove')
    .description('Remove one or more volumes')
    .argument('<volume...>')
    .option('-f, --force', 'Force the removal of one or more volumes', false)
    .action(async (names: string[], opts: { force: boolean }) => {
      process.exitCode = await volumeRm(names, opts.force);
    });
  vol
    .command('prune')
    .description('Remove unused local volumes')
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones', false)
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(daemon(volumePrune));
}

/** A volume command's failure: Docker's daemon prefix, exit 1. */
function daemonError(err: unknown): MiniboxError {
  if (!(err instanceof MiniboxError)) return err instanceof Error ? new MiniboxError(err.message, 1) : new MiniboxError(String(err), 1);
  return err;
}

function daemon<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.stderr.write(`Error response from daemon: ${daemonError(err).message}\n`);
      process.exitCode = 1;
    }
  };
}

export async function volumeCreate(name: string | undefined, opts: { driver: string; label: string[] }): Promise<void> {
  const labels: Record<string, string> = {};
  for (const l of opts.label) {
    const eq = l.indexOf('=');
    labels[eq === -1 ? l : l.slice(0, eq)] = eq === -1 ? '' : l.slice(eq + 1);
  }
  const { createNamedVolume } = await engine();
  const v = await createNamedVolume(name, opts.driver, labels);
  process.stdout.write(`${v.Name}\n`);
}

const LS_HEADERS: Record<string, string> = { Driver: 'DRIVER', Name: 'VOLUME NAME', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' };

/** The row a `--format` template sees: Docker's volume formatter fields (Labels as "k=v,…"). */
function lsRow(v: VolumeView): Record<string, string> {
  const labels = Object.entries(v.Labels ?? {}).map(([k, x]) => `${k}=${x}`).join(',');
  return { Driver: v.Driver, Name: v.Name, Scope: v.Scope, Mountpoint: v.Mountpoint, Labels: labels, Links: 'N/A', Size: 'N/A' };
}

export async function volumeLs(opts: { quiet: boolean; filter: string[]; format?: string }): Promise<void> {
  const { listVolumeViews, parseVolumeFilter } = await engine();
  const views = await listVolumeViews(opts.filter.map(parseVolumeFilter));
  if (opts.quiet) {
    process.stdout.write(views.map((v) => `${v.Name}\n`).join(''));
    return;
  }
  if (opts.format) {
    const { renderTemplate, splitTable } = await import('../format/template.js');
    const { header, row } = splitTable(opts.format, LS_HEADERS);
    const lines = views.map((v) => renderTemplate(row, lsRow(v)));
    if (header !== undefined) {
      const { formatTable } = await import('../format/table.js');
      process.stdout.write(formatTable(header.split('\t'), lines.map((l) => l.split('\t')), { minWidth: 10 }));
    } else {
      process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    }
    return;
  }
  const { formatTable } = await import('../format/table.js');
  process.stdout.write(formatTable(['DRIVER', 'VOLUME NAME'], views.map((v) => [v.Driver, v.Name]), { minWidth: 10 }));
}

export async function volumeInspect(names: string[], opts: { format?: string }): Promise<number> {
  const { inspectVolume } = await engine();
  const views: VolumeView[] = [];
  let code = 0;
  for (const n of names) {
    try {
      views.push(await inspectVolume(n));
    } catch (err) {
      process.stderr.write(`Error response from daemon: ${daemonError(err).message}\n`);
      code = 1;
    }
  }
  const { formatInspect } = await import('../format/inspect.js');
  process.stdout.write(formatInspect(views, opts.format));
  return code;
}

export async function volumeRm(names: string[], force: boolean): Promise<number> {
  const { removeVolume } = await engine();
  let code = 0;
  for (const n of names) {
    try {
      await removeVolume(n, force);
      process.stdout.write(`${n}\n`);
    } catch (err) {
      process.stderr.write(`Error response from daemon: ${daemonError(err).message}\n`);
      code = 1;
    }
  }
  return code;
}

export async function volumePrune(opts: { all: boolean; force: boolean }): Promise<void> {
  if (!opts.force) {
    const what = opts.all ? 'all local volumes' : 'anonymous local volumes';
    if (!(await confirm(`WARNING! This will remove ${what} not used by at least one container.`))) return;
  }
  const { pruneVolumes } = await engine();
  const { formatPruneReport } = await import('../format/prune.js');
  const { removed, bytes } = await pruneVolumes(opts.all);
  process.stdout.write(formatPruneReport([['Deleted Volumes', removed]], bytes));
}
