import { processStartTime } from '../util/proc.js';

export { processStartTime };

/** True while `pid` is the same live process that had `startTime` (when one was recorded). */
export function isProcessAlive(pid: number, startTime: string | undefined): boolean {
  if (!pid) return false;
  const now = processStartTime(pid);
  return now !== undefined && (startTime === undefined || startTime === '' || now === startTime);
}
