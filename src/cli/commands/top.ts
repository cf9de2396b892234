import type { Command } from 'commander';

export function defineTop(program: Command): void {
  program.command('top').description('Display the running processes of a container').argument('<container>').action(topCommand);
}

function clock(ticks: number, perSecond: number): string {
  const s = Math.floor(ticks / perSecond);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** `docker top`: the container's processes as the host sees them (host pids), ps -ef style. */
export async function topCommand(ref: string): Promise<void> {
  const { CLOCK_TICKS, containerTop } = await import('../../engine/top.js');
  const { formatTable } = await import('../format/table.js');
  const rows = (await containerTop(ref)).map((p) => {
    const started = new Date(p.startedAt);
    return [p.uid === 0 ? 'root' : String(p.uid), String(p.pid), String(p.ppid), '0', started.toTimeString().slice(0, 5), p.tty, clock(p.cpuTicks, CLOCK_TICKS), p.cmd];
  });
  process.stdout.write(formatTable(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], rows));
}
