import type { Command } from 'commander';
import type { ResourceFlags } from '../../engine/resources.js';
import { resourceFlags, resourceOptions } from './run.js';

/** `update` (run's resource flags on a running container) and `stats`. */
const engine = () => import('../../engine/resources.js');

export function defineUpdate(program: Command): void {
  resourceOptions(program.command('update').description('Update configuration of one or more containers'))
    .argument('<container...>')
    .action((refs: string[], opts: ResourceFlags) => updateCommand(refs, resourceFlags(opts)));
}

export function defineStats(program: Command): void {
  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .argument('[container...]')
    .option('-a, --all', 'Show all containers (default shows just running)', false)
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--format <template>', 'Format output using a Go-template-like string ({{.Name}} {{.MemUsage}} ...)')
    .option('--no-trunc', 'Do not truncate output')
    .action((refs: string[], opts: { all: boolean; stream?: boolean; format?: string; trunc: boolean }) =>
      statsCommand(refs, { all: opts.all, noStream: opts.stream === false, ...(opts.format !== undefined ? { format: opts.format } : {}), trunc: opts.trunc }),
    );
}

export async function updateCommand(refs: string[], flags: ResourceFlags): Promise<void> {
  const { updateContainer } = await engine();
  for (const ref of refs) {
    await updateContainer(ref, flags);
    process.stdout.write(`${ref}\n`);
  }
}

export interface StatsOptions {
  all: boolean;
  noStream: boolean;
  format?: string;
  trunc: boolean;
}

/** docker stats' columns. Without --no-stream it redraws every second until interrupted. */
export async function statsCommand(refs: string[], opts: StatsOptions): Promise<void> {
  const { sampleStats } = await engine();
  const { formatTable } = await import('../format/table.js');
  const { formatBytes } = await import('../format/bytes.js');
  for (;;) {
    const stats = await sampleStats(refs, opts.all, opts.noStream ? 500 : 1000);
    const rows = stats.map((s) => ({
      ID: opts.trunc ? s.id.slice(0, 12) : s.id,
      Name: s.name,
      CPUPerc: `${s.cpuPercent.toFixed(2)}%`,
      MemUsage: `${formatBytes(s.memoryUsage, 'iec')} / ${formatBytes(s.memoryLimit, 'iec')}`,
      MemPerc: `${s.memoryLimit > 0 ? ((s.memoryUsage / s.memoryLimit) * 100).toFixed(2) : '0.00'}%`,
      NetIO: `${formatBytes(s.netRx, 'si')} / ${formatBytes(s.netTx, 'si')}`,
      BlockIO: `${formatBytes(s.blockRead, 'si')} / ${formatBytes(s.blockWrite, 'si')}`,
      PIDs: String(s.pids),
    }));
    let out: string;
    if (opts.format) {
      const fmt = opts.format;
      out = rows.map((r) => fmt.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k: string) => (r as Record<string, string>)[k] ?? '') + '\n').join('');
    } else {
      out = formatTable(
        ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'],
        rows.map((r) => [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.MemPerc, r.NetIO, r.BlockIO, r.PIDs]),
      );
    }
    if (opts.noStream) {
      process.stdout.write(out);
      return;
    }
    process.stdout.write(`\x1b[2J\x1b[H${out}`);
  }
}
