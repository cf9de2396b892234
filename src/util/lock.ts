import { promises as fs } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { MiniboxError } from './errors.js';

/**
 * Run `fn` while holding the named store lock (a directory lock under <root>/locks, so it
 * works across processes). Stale locks from a killed process are broken after `stale` ms.
 */
export async function withLock<T>(locksDir: string, name: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(locksDir, { recursive: true });
  const file = path.join(locksDir, name);
  await fs.writeFile(file, '', { flag: 'a' });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      stale: 15_000,
      update: 5_000,
      retries: { retries: 200, minTimeout: 10, maxTimeout: 100, factor: 1.2 },
      realpath: false,
    });
  } catch (err) {
    throw new MiniboxError(`could not lock ${file}: another minibox command holds it; retry`, 125, { cause: err });
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}
