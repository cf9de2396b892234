import { readFileSync } from 'node:fs';

/**
 * Bytes through every interface but lo of the network namespace `pid` is in, from its
 * /proc/<pid>/net/dev (receive bytes is field 0, transmit bytes field 8). Zero once it exited.
 */
export function netDevCounters(pid: number): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  if (!pid) return { rx, tx };
  try {
    for (const line of readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name?.trim() === 'lo') continue;
      const f = rest.trim().split(/\s+/).map(Number);
      rx += f[0] ?? 0;
      tx += f[8] ?? 0;
    }
  } catch {
    // exited meanwhile
  }
  return { rx, tx };
}
