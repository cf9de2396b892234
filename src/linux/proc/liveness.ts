import { readFileSync } from 'node:fs';

/**
 * A process's start time: field 22 of /proc/<pid>/stat (clock ticks since boot). A pid
 * plus its start time names a process for good: a recycled pid has another start time.
 * Zombies count as gone (they have finished).
 */
export function processStartTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * True while `pid` is the same live process that had `startTime`. With no recorded start
 * time (undefined or ''), any live process with that pid counts.
 */
export function isProcessAlive(pid: number, startTime: string | undefined): boolean {
  if (!pid) return false;
  const now = processStartTime(pid);
  return now !== undefined && (startTime === undefined || startTime === '' || now === startTime);
}

/**
 * Poll until `pid` (with `startTime`) is gone; false when `timeoutMs` ran out first.
 * Polling, since a process that is not our child offers nothing to wait on.
 */
export async function waitProcessGone(pid: number, startTime: string | undefined, timeoutMs: number, pollMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (isProcessAlive(pid, startTime)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return true;
}
