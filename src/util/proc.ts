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
