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
