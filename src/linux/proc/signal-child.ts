import { closeSync } from 'node:fs';
import { parentPid } from './status.js';
import { trace, traceStep } from '../../util/trace-events.js';

/**
 * Send `sig` to `pid` only while it is a child of `parent`. A pidfd pins the process first,
 * so the parent check and the signal are about the same process, never a recycled pid.
 * False when it is gone or not that parent's.
 */
export async function signalChildOf(pid: number, parent: number, sig: number): Promise<boolean> {
  const { pidfdOpen, pidfdSendSignal } = await import('../libc.js'); // ffi: loaded on use
  let fd: number;
  try {
    fd = pidfdOpen(pid);
  } catch {
    return false; // already gone
  }
  try {
    if (parentPid(pid) !== parent) return false;
    pidfdSendSignal(fd, sig);
    if (trace.on) traceStep({ step: 'pidfd_send_signal', target: `pid ${pid}`, value: `signal ${sig}`, concept: 'signals' });
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
