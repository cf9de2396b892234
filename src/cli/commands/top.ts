import { readFileSync } from 'node:fs';
import { inspectContainer } from '../../engine/containers.js';
import { containerProcesses } from '../../linux/procs.js';
import { MiniboxError } from '../../util/errors.js';
import { formatTable } from '../format/table.js';

const TICKS = 100; // USER_HZ on Linux

function clock(ticks: number): string {
  const s = Math.floor(ticks / TICKS);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** `docker top`: the container's processes as the host sees them (host pids), ps -ef style. */
export async function topCommand(ref: string): Promise<void> {
  const { state } = await inspectContainer(ref);
  if (state.status !== 'running' || !state.pid) throw new MiniboxError(`container ${state.id} is not running`, 1);
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const boot = Date.now() - uptime * 1000;
  const rows = containerProcesses(state.pid).map((p) => {
    const started = new Date(boot + (p.startTicks / TICKS) * 1000);
    return [p.uid === 0 ? 'root' : String(p.uid), String(p.pid), String(p.ppid), '0', started.toTimeString().slice(0, 5), p.tty, clock(p.cpuTicks), p.cmd];
  });
  process.stdout.write(formatTable(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], rows));
}
