import { fsNow as fs } from '../util/fs-now.js';
import path from 'node:path';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { isProcessAlive, processStartTime } from './proc/liveness.js';

/**
 * Cross-process store locks: `locks/<name>.lock`, created with O_EXCL and holding the
 * owner's pid and process start time. A lock whose owner is gone (killed mid-command) is
 * stale and broken by the next taker; comparing the start time means a recycled pid is
 * never mistaken for the owner.
 *
 * Hand-written rather than proper-lockfile: that package costs ~20 ms to load, more than
 * the whole budget of `minibox run` beyond Node's own start-up.
 */
const POLL_MS = 5;
const TIMEOUT_MS = 60_000;

const me = `${process.pid} ${processStartTime('self') ?? ''}`;

function ownerAlive(content: string): boolean {
  const [pid, start] = content.trim().split(' ');
  if (!pid || !/^\d+$/.test(pid) || !start) return false; // torn or empty: the writer died between open and write
  return isProcessAlive(Number(pid), start);
}

type Attempt = 'acquired' | 'busy' | 'empty';

async function tryAcquire(file: string): Promise<Attempt> {
  try {
    await fs.writeFile(file, me, { flag: 'wx' });
    return 'acquired';
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 'busy'; // released meanwhile: retry at once
    throw err;
  }
  if (content === '') return 'empty';
  if (ownerAlive(content)) return 'busy';
  // stale: move it aside under a private name so only one breaker wins, then retry
  const aside = `${file}.stale.${process.pid}`;
  try {
    await fs.rename(file, aside);
    await fs.rm(aside, { force: true });
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  return 'busy';
}

export async function withLock<T>(locksDir: string, name: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(locksDir, `${name}.lock`);
  await fs.mkdir(locksDir, { recursive: true });
  const deadline = Date.now() + TIMEOUT_MS;
  let emptySeen = 0;
  for (let attempt = await tryAcquire(file); attempt !== 'acquired'; attempt = await tryAcquire(file)) {
    if (Date.now() > deadline) {
      throw new MiniboxError(`timed out waiting for the lock ${file}: another minibox command holds it`);
    }
    // a lock file that stays empty for long means its writer died between create and write
    emptySeen = attempt === 'empty' ? emptySeen + 1 : 0;
    if (emptySeen > 2000 / POLL_MS) {
      await fs.rm(file, { force: true });
      emptySeen = 0;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  try {
    return await fn();
  } finally {
    await fs.rm(file, { force: true });
  }
}
