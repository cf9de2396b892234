import type { Readable } from 'node:stream';
import { traceShimStep, type TraceStep } from '../util/trace-events.js';

/**
 * The shim's side of `minibox --explain`: with the trace on, the shim gets one more pipe and
 * the config record `trace=<fd>` (native-shim/src/common/trace.h), and writes one JSON object
 * a line there: {step, target?, value?, result?, errno?, concept?, t (epoch ms)}. Without the
 * record it writes nothing and has no such fd. The shim closes the pipe before its final
 * report (exit, error, started), so reading to EOF before acting on that report keeps the
 * trace in order: a failing step is printed before anything minibox does about it.
 */
export function traceConfigRecord(fd: number): Buffer {
  return Buffer.from(`trace=${fd}\0`);
}

/** Forward every line of the shim's trace pipe to the trace sink; resolves at EOF. */
export async function relayShimTrace(pipe: Readable): Promise<void> {
  let buffered = '';
  try {
    for await (const chunk of pipe) {
      buffered += String(chunk);
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        forward(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
  } catch {
    // the shim went away mid-line: what arrived was forwarded, its report says the rest
  }
}

const FIELDS = ['target', 'value', 'result', 'errno', 'concept'] as const;

/** One line, validated: a line that is not a step is dropped rather than shown half-read. */
export function parseShimTraceLine(line: string): { step: TraceStep; t: number } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.step !== 'string' || typeof r.t !== 'number') return undefined;
  const step: TraceStep = { step: r.step };
  for (const k of FIELDS) {
    if (r[k] === undefined) continue;
    if (typeof r[k] !== 'string') return undefined;
    step[k] = r[k] as string;
  }
  return { step, t: r.t };
}

function forward(line: string): void {
  const parsed = parseShimTraceLine(line);
  if (parsed) traceShimStep(parsed.step, parsed.t);
}
