import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import type { OciMount } from '../container/spec.js';
import type { ShimMount } from '../linux/shim-mounts.js';

/**
 * A bundle's config.json `mounts` for the shim, every entry in order, as runc mounts them: a
 * bind (type bind, or a bind/rbind option) is the shim's bind mount; any other type is a
 * filesystem mount of that type (proc, sysfs, mqueue, devpts, tmpfs, cgroup, cgroup2, or
 * whatever else the kernel knows) with its source, flags and data options at its destination
 * (native-shim/src/run/oci_mounts.h: resolved inside the rootfs, created when missing).
 *
 * The shim makes /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys and /sys/fs/cgroup
 * itself, with the work a bare mount would not do (device nodes in /dev, the host's /sys bound
 * under a user namespace, the container's cgroup view). An entry that lists one of them with
 * its usual type makes that mount over with the bundle's options ("replace"), except /dev:
 * its tmpfs holds the shim's nodes and links, so the shim's stays (its options are the ones
 * every caller lists: nosuid, strictatime, mode=755, size=65536k). Standard mounts a bundle
 * does not list are still made (runc would leave them out).
 */

/** The shim's own mounts, by destination and type: listed, they are made over ("replace"). */
const STANDARD: Record<string, string> = {
  '/proc': 'proc',
  '/dev': 'tmpfs',
  '/dev/pts': 'devpts',
  '/dev/shm': 'tmpfs',
  '/dev/mqueue': 'mqueue',
  '/sys': 'sysfs',
  '/sys/fs/cgroup': 'cgroup',
};

/** Options that set a per-mount flag (mount(8)'s names), and the ones that clear it. */
const FLAGS = new Set(['ro', 'nosuid', 'nodev', 'noexec', 'sync', 'dirsync', 'noatime', 'nodiratime', 'relatime', 'strictatime']);
const CLEARS: Record<string, string> = { rw: 'ro', suid: 'nosuid', dev: 'nodev', exec: 'noexec', async: 'sync', atime: 'noatime', diratime: 'nodiratime', norelatime: 'relatime', nostrictatime: 'strictatime' };
const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);
/** The kernel's atime modes: binds and tmpfs of minibox's own path take the defaults. */
const ATIME = new Set(['relatime', 'strictatime', 'noatime', 'nodiratime', 'norelatime', 'nostrictatime', 'atime', 'diratime']);
/** Accepted and without effect, as in runc: mount(8) defaults, and mand (gone from Linux). */
const NO_EFFECT = new Set(['defaults', 'mand', 'nomand', 'loud', 'silent', 'iversion', 'noiversion']);

function bad(dest: string, why: string): never {
  throw new MiniboxError(`invalid config.json mount ${dest}: ${why}`, 1);
}

function cleanDestination(m: OciMount): string {
  if (typeof m.destination !== 'string' || !m.destination.startsWith('/')) bad(String(m.destination), 'destination must be absolute');
  return path.posix.normalize(m.destination).replace(/(.)\/+$/, '$1');
}

/** A filesystem entry's options as flags (mount.opt) and data (mount.fsdata), one a record. */
function fsOptions(dest: string, options: string[]): { opts: string[]; data: string[] } {
  const opts = new Set<string>();
  const data: string[] = [];
  let propagation: string | undefined;
  for (const o of options) {
    if (FLAGS.has(o)) opts.add(o);
    else if (CLEARS[o]) opts.delete(CLEARS[o]!);
    else if (PROPAGATIONS.has(o)) propagation = o;
    else if (NO_EFFECT.has(o)) continue;
    else if (o === 'remount') bad(dest, 'option remount (a mount of the bundle is always a new one)');
    else if (o === 'idmap' || o === 'ridmap') bad(dest, `option ${o} (ID-mapped mounts) is not supported by minibox-runtime`);
    else if (o === 'tmpcopyup') bad(dest, 'option tmpcopyup is not supported by minibox-runtime');
    else if (/^r(ro|rw|nosuid|suid|nodev|dev|noexec|exec|noatime|atime|relatime|norelatime|strictatime|nostrictatime|nodiratime|diratime|nosymfollow|symfollow)$/.test(o)) bad(dest, `recursive option ${o} is not supported by minibox-runtime`);
    else if (o === '' || o.includes(',') || /[\0-\x1f\x7f]/.test(o) || o.startsWith('=')) bad(dest, `invalid option ${JSON.stringify(o)}`);
    else data.push(o); // the filesystem's own (size=, mode=, newinstance, gid=...): the kernel checks it
  }
  return { opts: [...opts, ...(propagation ? [propagation] : [])], data };
}

/** One entry: a bind, or a filesystem mount (type other than bind, without bind/rbind). */
function shimMountOfEntry(m: OciMount, bundle: string): ShimMount | undefined {
  const dest = cleanDestination(m);
  const options = m.options ?? [];
  if (m.type === 'bind' || options.includes('bind') || options.includes('rbind')) {
    const opts = new Set<string>();
    for (const o of options) {
      if (o === 'bind' || o === 'rbind' || ATIME.has(o) || NO_EFFECT.has(o)) continue;
      if (['ro', 'nosuid', 'nodev', 'noexec'].includes(o) || PROPAGATIONS.has(o)) opts.add(o);
      else if (CLEARS[o]) opts.delete(CLEARS[o]!);
      else bad(dest, `unsupported option ${o} for a bind mount`);
    }
    if (typeof m.source !== 'string' || m.source === '') bad(dest, 'a bind mount needs a source');
    return { type: 'bind', source: path.resolve(bundle, m.source), target: dest, opts: [...opts], data: [] };
  }
  if (typeof m.type !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(m.type)) bad(dest, `invalid type ${JSON.stringify(m.type)}`);
  if (m.type === 'overlay') bad(dest, 'an overlay mount is not supported by minibox-runtime');
  // the shim's /dev holds its device nodes: it stays as made (see above)
  if (dest === '/dev' && m.type === 'tmpfs') return undefined;
  if (dest === '/') bad(dest, 'a mount over the rootfs itself');
  const { opts, data } = fsOptions(dest, options);
  const source = typeof m.source === 'string' && m.source !== '' ? m.source : m.type;
  if (source.includes('\0') || source.includes('\n')) bad(dest, 'invalid source');
  const replace = STANDARD[dest] === m.type || (dest === '/sys/fs/cgroup' && m.type === 'cgroup2');
  return { type: 'fs', fstype: m.type, fsSource: source, source: '', target: dest, opts, data, replace };
}

export function bundleMounts(mounts: OciMount[], bundle: string): ShimMount[] {
  return mounts.map((m) => shimMountOfEntry(m, bundle)).filter((m): m is ShimMount => m !== undefined);
}
