import { readlinkSync } from 'node:fs';

/**
 * A process's namespaces as the kernel names them: /proc/<pid>/ns/<type> is a link to
 * "<type>:[<inode>]", and two processes share a namespace exactly when the inodes agree.
 */
export const NAMESPACE_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts', 'time'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

/** type → inode, for each namespace the kernel shows (a gone process: empty). */
export function namespaceInodes(pid: number | 'self'): Partial<Record<NamespaceType, number>> {
  const out: Partial<Record<NamespaceType, number>> = {};
  for (const type of NAMESPACE_TYPES) {
    try {
      const m = /^[a-z_]+:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/${type}`));
      if (m) out[type] = Number(m[1]);
    } catch {
      // not shown by this kernel (time before 5.6), or the process is gone
    }
  }
  return out;
}
