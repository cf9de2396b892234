import type { FreezerState } from '../types.js';
import { FREEZE_BUDGET_MS, pollUntil, readControlOr, writeControl } from '../files.js';
import { errnoCode, MiniboxError } from '../../../util/errors.js';

/**
 * v1 freezer (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst): writing FROZEN to
 * freezer.state starts a freeze that reads FREEZING until the last task has stopped. Each
 * poll writes FROZEN again, so a task forked meanwhile is caught too; a freeze that does
 * not finish in time (a task stuck in uninterruptible sleep) is undone, never left half-way.
 */
export function freezerState(dir: string): FreezerState {
  const s = readControlOr(dir, 'freezer.state', 'THAWED');
  return s === 'FROZEN' ? 'frozen' : s === 'FREEZING' ? 'freezing' : 'thawed';
}

export async function freeze(dir: string, budgetMs = FREEZE_BUDGET_MS): Promise<void> {
  writeControl(dir, 'freezer.state', 'FROZEN');
  const frozen = await pollUntil(() => freezerState(dir) === 'frozen', budgetMs, () => writeControl(dir, 'freezer.state', 'FROZEN'));
  if (frozen) return;
  await thaw(dir);
  throw new MiniboxError(`cgroup: freeze ${dir}: tasks still FREEZING after ${budgetMs} ms (one in uninterruptible sleep?); thawed again`, 1);
}

export async function thaw(dir: string, budgetMs = FREEZE_BUDGET_MS): Promise<void> {
  try {
    writeControl(dir, 'freezer.state', 'THAWED');
  } catch (err) {
    if (errnoCode(err instanceof Error ? err.cause : undefined) === 'ENOENT') return; // gone with its container
    throw err;
  }
  if (!(await pollUntil(() => freezerState(dir) === 'thawed', budgetMs))) {
    throw new MiniboxError(`cgroup: thaw ${dir}: freezer.state is still not THAWED after ${budgetMs} ms`, 1);
  }
}
