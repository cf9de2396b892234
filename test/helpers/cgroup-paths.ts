import { readFileSync, existsSync } from 'node:fs';

/**
 * Where a container's cgroup counters live on this host, read by the tests directly from
 * the kernel's files (not through minibox) so they check what minibox wrote.
 */
export const isV2 = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .some((l) => / \/sys\/fs\/cgroup .* - cgroup2 /.test(l));

export function cgroupFile(id: string, v2File: string, v1Controller: string, v1File: string): string {
  return isV2 ? `/sys/fs/cgroup/minibox/${id}/${v2File}` : `/sys/fs/cgroup/${v1Controller}/minibox/${id}/${v1File}`;
}

export function cpuUsageNs(id: string): number {
  if (isV2) {
    const m = /usage_usec (\d+)/.exec(readFileSync(`/sys/fs/cgroup/minibox/${id}/cpu.stat`, 'utf8'));
    return Number(m?.[1] ?? 0) * 1000;
  }
  return Number(readFileSync(`/sys/fs/cgroup/cpuacct/minibox/${id}/cpuacct.usage`, 'utf8'));
}

export function cgroupExists(id: string): boolean {
  return isV2 ? existsSync(`/sys/fs/cgroup/minibox/${id}`) : existsSync(`/sys/fs/cgroup/memory/minibox/${id}`);
}
