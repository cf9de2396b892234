import { readFileSync } from 'node:fs';

/** /proc/<pid>/status's PPid, 0 when the process is gone. */
export function parentPid(pid: number): number {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The process's root directory as the host sees it: the container's rootfs for its init. */
export function procRoot(pid: number): string {
  return `/proc/${pid}/root`;
}
