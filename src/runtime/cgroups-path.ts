import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import { isObject } from '../util/json.js';
import { cgroupName } from './store.js';

/**
 * linux.cgroupsPath (config-linux.md "Cgroups Path") as runc's cgroupfs driver reads it: an
 * absolute path is relative to each v1 controller's mount (or the v2 root), a relative one is
 * under the runtime's own parent (minibox/), absent is minibox/oci-<id>. Returned without the
 * leading slash and normalized; `..` and control characters are refused (a path must not
 * leave the hierarchy or hide in a listing).
 */
export const RUNTIME_CGROUP_PARENT = 'minibox';

export function resolveCgroupsPath(raw: unknown, id: string): string {
  const linux = isObject(raw) && isObject(raw.linux) ? raw.linux : {};
  const given = linux.cgroupsPath;
  if (given === undefined || given === '') return `${RUNTIME_CGROUP_PARENT}/${cgroupName(id)}`;
  if (typeof given !== 'string') throw new MiniboxError('config.json: linux.cgroupsPath must be a string', 1);
  if (/[\x00-\x1f\x7f]/.test(given)) throw new MiniboxError(`config.json: linux.cgroupsPath ${JSON.stringify(given)} has a control character`, 1);
  const segments = given.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new MiniboxError(`config.json: linux.cgroupsPath "${given}" has a ".." component (give a path inside the cgroup hierarchy)`, 1);
  if (segments.length === 0) throw new MiniboxError(`config.json: linux.cgroupsPath "${given}" names the cgroup root (give a path below it)`, 1);
  return (given.startsWith('/') ? segments : [RUNTIME_CGROUP_PARENT, ...segments]).join('/');
}

/**
 * The directories a container's cgroup leaves behind that are the runtime's to remove: the ones
 * its create made, and — for a path under the runtime's own parent (minibox/…, a relative or
 * absent cgroupsPath) — every level from the leaf's parent up to minibox/ itself, whichever
 * container made it: that tree is ours, and the last container out must not leave its
 * parents (the first container's create made them, its delete found them still in use). An
 * absolute cgroupsPath's parents are the caller's: only what create made goes (runc's rule
 * is to remove none). The caller removes a non-leaf only when empty, deepest first.
 */
export function cgroupDirsToRemove(cgroupsPath: string, created: string[], leaves: string[]): string[] {
  const dirs = new Set(created);
  if (cgroupsPath.startsWith(`${RUNTIME_CGROUP_PARENT}/`)) {
    const levels = cgroupsPath.split('/').length - 1; // the leaf's ancestors up to minibox/
    for (const leaf of leaves) {
      let d = leaf;
      for (let i = 0; i < levels; i++) dirs.add((d = path.dirname(d)));
    }
  }
  return [...dirs];
}
