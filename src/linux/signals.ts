import { constants as osConstants } from 'node:os';
import { MiniboxError } from '../util/errors.js';

/**
 * The one signal table: Linux's numbers (os.constants.signals), the names docker stop -s /
 * kill -s accept, and the signals `run` and `exec` pass on to the container.
 */
const SIGNALS: Readonly<Partial<Record<string, number>>> = osConstants.signals;

export const SIGKILL = osConstants.signals.SIGKILL;

/** What a foreground run or exec forwards to the container (Docker's --sig-proxy set). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** A signal by name (TERM, SIGTERM, term) or number (1–64), as docker stop -s / kill -s take it. */
export function parseSignal(sig: string): number {
  if (/^\d+$/.test(sig) && Number(sig) > 0 && Number(sig) < 65) return Number(sig);
  const upper = sig.toUpperCase();
  const n = SIGNALS[upper.startsWith('SIG') ? upper : `SIG${upper}`];
  if (n === undefined) throw new MiniboxError(`Invalid signal: ${sig}`, 1);
  return n;
}

/** The number of a signal Node reported by name (a child's exit signal); 0 for none. */
export function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (SIGNALS[sig] ?? 0) : 0;
}
