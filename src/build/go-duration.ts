import { MiniboxError } from '../util/errors.js';

/**
 * Go's time.Duration text, both ways: HEALTHCHECK's `--interval=1m30s` flags are parsed as Go
 * does, and Docker's history line for HEALTHCHECK prints durations as Go's String() ("1m30s",
 * "500ms", "0s").
 */
const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** "1m30s" → nanoseconds; undefined when not a Go duration. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
    pos = re.lastIndex;
  }
  return pos === text.length && pos > 0 ? Math.round(total) : undefined;
}

export function requireGoDuration(flag: string, text: string): number {
  const ns = parseGoDuration(text);
  if (ns === undefined) throw new MiniboxError(`time: invalid duration "${text}" (--${flag})`, 1);
  return ns;
}

function trimFraction(whole: number, frac: number, digits: number): string {
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's Duration.String(). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trimFraction(Math.floor(ns / 1e3), ns % 1e3, 3)}µs`;
  if (ns < 1e9) return `${trimFraction(Math.floor(ns / 1e6), ns % 1e6, 6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const restNs = ns % 60e9;
  const s = `${trimFraction(Math.floor(restNs / 1e9), restNs % 1e9, 9)}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}
