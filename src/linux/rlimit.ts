import { readFileSync } from 'node:fs';

/**
 * The hard "Max open files" limit of this process (/proc/self/limits), which a container's
 * nofile cannot exceed without CAP_SYS_RESOURCE; -1 when unlimited or unreadable.
 */
export function hostNofileHard(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const hard = line?.slice('Max open files'.length).trim().split(/\s+/)[1];
    return hard !== undefined && /^\d+$/.test(hard) ? Number(hard) : -1;
  } catch {
    return -1;
  }
}
