import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/**
 * The processes of a container, found by their PID namespace (the same /proc/<pid>/ns/pid
 * link as the container's init), with what `docker top` shows (ps -ef columns).
 */
export interface ProcInfo {
  uid: number;
  pid: number;
  ppid: number;
  startTicks: number; // clock ticks since boot
  startedAt: number; // ms since the epoch (boot time + startTicks)
  tty: string;
  cpuTicks: number;
  cmd: string;
}

export const CLOCK_TICKS = 100; // USER_HZ on Linux

/** When the host booted, in ms since the epoch: now minus /proc/uptime. */
function bootTimeMs(): number {
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Date.now() - uptime * 1000;
}

function nsOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function readProc(pid: number, boot: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    const ttyNr = Number(f[4]);
    return {
      uid: statSync(`/proc/${pid}`).uid,
      pid,
      ppid: Number(f[1]),
      startTicks: Number(f[19]),
      startedAt: boot + (Number(f[19]) / CLOCK_TICKS) * 1000,
      tty: ttyNr === 0 ? '?' : `pts/${ttyNr & 0xff}`,
      cpuTicks: Number(f[11]) + Number(f[12]),
      cmd: cmdline || `[${comm}]`,
    };
  } catch {
    return undefined; // exited while we looked
  }
}

export function containerProcesses(initPid: number): ProcInfo[] {
  const ns = nsOf(initPid);
  if (!ns) return [];
  const boot = bootTimeMs();
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (nsOf(pid) !== ns) continue;
    const info = readProc(pid, boot);
    if (info) out.push(info);
  }
  return out.sort((a, b) => a.pid - b.pid);
}
