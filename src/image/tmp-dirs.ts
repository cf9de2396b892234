import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StatePaths } from '../util/paths.js';
import { fsNow } from '../util/fs-now.js';
import { isProcessAlive, processStartTime } from '../linux/proc/liveness.js';

/**
 * Scratch directories of the image store (tmp/<kind>-…, snapshots/<hex>.tmp-…) carry
 * their creator in their name: `<pid>.<start time>`, the pair that names a process for good
 * (a recycled pid has another start time). A later load or pull removes those whose creator
 * is gone (killed mid-way: SIGKILL runs no cleanup), and, for names without an owner, those
 * untouched for ten minutes. A live command's scratch is never touched, however long it runs.
 */
export const STALE_AFTER_MS = 10 * 60 * 1000;

let token: string | undefined;

/** This process as `<pid>.<start time>`. */
export function ownerToken(): string {
  token ??= `${process.pid}.${processStartTime('self') ?? '0'}`;
  return token;
}

/** A fresh scratch name: `<prefix>-<pid>.<start>-<random>`. */
export function scratchName(prefix: string): string {
  return `${prefix}-${ownerToken()}-${randomBytes(6).toString('hex')}`;
}

const OWNER = /-(\d+)\.(\d+)-[0-9a-f]+$/;

/** true/false when the name says who made it; undefined when it does not. */
export function ownerAlive(name: string): boolean | undefined {
  const m = OWNER.exec(name);
  if (!m?.[1] || !m[2]) return undefined;
  return isProcessAlive(Number(m[1]), m[2]);
}

async function isStale(dir: string, name: string, now: number): Promise<boolean> {
  const alive = ownerAlive(name);
  if (alive !== undefined) return !alive;
  try {
    return now - (await fs.lstat(path.join(dir, name))).mtimeMs > STALE_AFTER_MS;
  } catch {
    return false; // gone already
  }
}

/**
 * Remove what killed loads and pulls left: tmp/* and snapshots/*.tmp-* / *.rm-* of dead
 * owners (or old and ownerless). Best effort: a failure here never fails the command.
 */
export async function removeStaleScratch(paths: StatePaths, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const sweep = async (dir: string, pick: (name: string) => boolean): Promise<void> => {
    for (const name of await fsNow.readdirOrEmpty(dir).catch(() => [])) {
      if (!pick(name) || !(await isStale(dir, name, now))) continue;
      try {
        await fs.rm(path.join(dir, name), { recursive: true, force: true });
        removed.push(path.join(dir, name));
      } catch {
        // someone else is sweeping too, or it is busy: next time
      }
    }
  };
  await sweep(paths.tmp, () => true);
  await sweep(paths.snapshots, (n) => /\.(tmp|rm)-/.test(n));
  return removed;
}
