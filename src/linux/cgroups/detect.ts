import { readFileSync } from 'node:fs';
import type { HierarchyKind } from './types.js';
import { CONTROLLERS } from './v1/cgroup.js';

/**
 * Which hierarchy to drive, from /proc/self/mountinfo: cgroup2 mounted at /sys/fs/cgroup is
 * a pure v2 host; otherwise v1 controllers at /sys/fs/cgroup/<ctrl> (hybrid or legacy),
 * whose memory and cpu controllers are what limits need (devices: what confinement needs).
 * Reading mountinfo costs no ffi load on the run path; statfs (src/linux/libc.ts) says the same.
 */
export interface Hierarchy {
  kind: HierarchyKind;
  root: string; // v2: the cgroup2 mount; v1: /sys/fs/cgroup (controllers below it)
  v1Mounts: Map<string, string>; // controller → mount point (v1 only)
}

export function parseMountinfo(text: string): Hierarchy {
  const v1Mounts = new Map<string, string>();
  let v2Root: string | undefined;
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mountPoint = pre.split(' ')[4] ?? '';
    const [fstype, , superOpts = ''] = post.split(' ');
    if (fstype === 'cgroup2' && mountPoint === '/sys/fs/cgroup') v2Root = mountPoint;
    if (fstype === 'cgroup') {
      for (const opt of superOpts.split(',')) {
        if ((CONTROLLERS as readonly string[]).includes(opt)) v1Mounts.set(opt, mountPoint);
      }
    }
  }
  if (v2Root) return { kind: 'v2', root: v2Root, v1Mounts };
  return { kind: 'v1', root: '/sys/fs/cgroup', v1Mounts };
}

let cached: Hierarchy | undefined;

export function detectHierarchy(): Hierarchy {
  cached ??= parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  return cached;
}
