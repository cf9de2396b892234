import { sampleStats, updateContainer } from '../../engine/resources.js';
import type { ResourceFlags } from '../../container/resources.js';
import { formatTable } from '../format/table.js';
import { formatBytes } from '../format/bytes.js';

export async function updateCommand(refs: string[], flags: ResourceFlags): Promise<void> {
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
