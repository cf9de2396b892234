import { readdirSync, readFileSync } from 'node:fs';
import { minibox } from './minibox.js';

/** For detached-container tests: force-remove every container of a root (afterEach). */
export async function removeAll(root: string): Promise<void> {
  const ids = (await minibox(['ps', '-aq', '--no-trunc'], { root })).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await minibox(['rm', '-f', ...ids], { root, timeoutMs: 120_000 });
}

/** Node processes that belong to this test root (its MINIBOX_ROOT) or mention an id. */
export function nodeProcessesFor(root: string, id: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (!readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('node')) continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      if (cmd.includes(id) || env.includes(`MINIBOX_ROOT=${root}`)) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
