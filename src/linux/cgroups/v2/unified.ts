import { existsSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../../../util/errors.js';
import { readControlOr, writeControl } from '../files.js';
import { unifiedKeyProblem } from '../blockio.js';

/**
 * OCI linux.resources.unified: each key a file of the container's cgroup, its value written
 * as given, one write per line (runc's fs2.setUnified: io.max takes one device per write).
 * Every key is checked first (checkUnified, before any limit is written): a file that is not
 * there (cgroupfs makes none on write) is refused, by the controller it belongs to when that
 * is missing.
 */
export function checkUnified(dir: string, unified: Record<string, string>): void {
  const available = new Set(readControlOr(dir, 'cgroup.controllers').split(/\s+/));
  for (const key of Object.keys(unified)) {
    const problem = unifiedKeyProblem(key);
    if (problem) throw new MiniboxError(`linux.resources.unified: key "${key}" ${problem}`, 1);
    if (existsSync(path.join(dir, key))) continue;
    const controller = key.slice(0, key.indexOf('.'));
    if (controller !== 'cgroup' && !available.has(controller)) throw new MiniboxError(`linux.resources.unified: "${key}" can't be set: controller "${controller}" not available`, 1);
    throw new MiniboxError(`linux.resources.unified: "${key}" is not a file of this cgroup`, 1);
  }
}

/** The writes, after checkUnified (and after the typed limits: unified has the last word, as in runc). */
export function applyUnified(dir: string, unified: Record<string, string>): void {
  for (const [key, value] of Object.entries(unified)) {
    for (const line of value.split('\n').filter((l, i, all) => l !== '' || all.length === 1)) writeControl(dir, key, line);
  }
}
