import type { FreezerState } from '../types.js';
import { FREEZE_BUDGET_MS, pollUntil, readControlOr, readKeyed, writeControl } from '../files.js';
import { errnoCode, MiniboxError } from '../../../util/errors.js';

/**
 * v2 freezer (Documentation/admin-guide/cgroup-v2.rst, "Core Interface Files"): cgroup.freeze
 * says what was asked, `frozen` in cgroup.events whether the kernel has got there. A freeze
 * that does not finish in time is undone, never left half-way; kernels before 5.2 have no
 * cgroup.freeze, and then nothing can pause a container.
 */
export function freezerState(dir: string): FreezerState {
  if (readControlOr(dir, 'cgroup.freeze', '0') !== '1') return 'thawed';
  return readKeyed(dir, 'cgroup.events').get('frozen') === 1 ? 'frozen' : 'freezing';
}

const isFrozen = (dir: string) => readKeyed(dir, 'cgroup.events').get('frozen') === 1;

export async function freeze(dir: string, budgetMs = FREEZE_BUDGET_MS): Promise<void> {
  if (readControlOr(dir, 'cgroup.freeze', 'absent') === 'absent') {
    throw new MiniboxError(`cgroup: ${dir} has no cgroup.freeze: this kernel cannot freeze a cgroup (5.2 or newer needed)`, 1);
  }
  writeControl(dir, 'cgroup.freeze', 1);
  if (await pollUntil(() => isFrozen(dir), budgetMs)) return;
  await thaw(dir);
  throw new MiniboxError(`cgroup: freeze ${dir}: cgroup.events still says frozen 0 after ${budgetMs} ms; thawed again`, 1);
}

export async function thaw(dir: string, budgetMs = FREEZE_BUDGET_MS): Promise<void> {
  try {
    writeControl(dir, 'cgroup.freeze', 0);
  } catch (err) {
    if (errnoCode(err instanceof Error ? err.cause : undefined) === 'ENOENT') return; // gone with its container
    throw err;
  }
  if (!(await pollUntil(() => !isFrozen(dir), budgetMs))) {
    throw new MiniboxError(`cgroup: thaw ${dir}: cgroup.events still says frozen 1 after ${budgetMs} ms`, 1);
  }
}
