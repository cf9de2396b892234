import { readFileSync } from 'node:fs';

/**
 * /proc/<pid>/cgroup: the cgroup a process is in, per hierarchy — "ID:controllers:path",
 * v1 hierarchies with their controllers, the v2 one as "0::path".
 */
export interface CgroupMembership {
  hierarchy: number;
  controllers: string[]; // [] for the v2 hierarchy
  path: string;
}

export function parseProcCgroup(text: string): CgroupMembership[] {
  const out: CgroupMembership[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    out.push({ hierarchy: Number(m[1]), controllers: m[2] ? m[2].split(',') : [], path: m[3] ?? '' });
  }
  return out;
}

/** A gone process: empty. */
export function processCgroups(pid: number): CgroupMembership[] {
  try {
    return parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  } catch {
    return [];
  }
}
