/**
 * `minibox --explain`: the steps minibox takes, each with the kernel or registry interface
 * behind it and its result, as typed events handed to one sink the CLI sets (cli/explain-output.ts
 * prints them). Call sites live where the real work happens (cgroup file writes, the registry's
 * HTTP requests, the firewall, the shim's own trace fd) and are written
 *
 *     if (trace.on) traceStep({ step: 'write', target: file, value: String(v) });
 *
 * so that with the trace off (the default) a step costs one property read: no object, no
 * string is built. The first failed step (one with an errno) ends the trace: it is the last
 * line the user sees, not buried under the cleanup that follows it.
 */
import { performance } from 'node:perf_hooks';

/** What a call site knows about its step. */
export interface TraceStep {
  step: string; // the interface: 'write', 'mkdir', 'GET', 'clone', 'mount', 'iptables-restore'
  target?: string; // what it acts on: a path, a URL path, a chain
  value?: string; // what it puts there: the number written, the mount's type and options
  result?: string; // what came back: 'ok', 'pid 4242', '200 (sha256:…)'
  errno?: string; // a failed step: 'EPERM', 'ENOENT'
  concept?: string; // the idea behind it ('cgroups', 'overlay'), for --explain=verbose's "why"
}

export type TraceSource = 'minibox' | 'shim';

/** A step as the sink gets it: where it came from, and when (ms since minibox started). */
export interface TraceEvent extends TraceStep {
  result: string;
  source: TraceSource;
  t_ms: number;
}

export type TraceSink = (event: TraceEvent) => void;

/** The one flag every call site checks first. */
export const trace: { readonly on: boolean } = { on: false };

let sink: TraceSink | undefined;
let ended = false;

/** Turn tracing on (the CLI, once, before any command runs); undefined turns it off (tests). */
export function setTraceSink(next: TraceSink | undefined): void {
  sink = next;
  ended = false;
  (trace as { on: boolean }).on = next !== undefined;
}

/** One step of minibox's own (the TypeScript side). */
export function traceStep(step: TraceStep): void {
  deliver(step, 'minibox', performance.now());
}

/** One step the shim reported, stamped with its wall-clock time (epoch ms). */
export function traceShimStep(step: TraceStep, epochMs: number): void {
  deliver(step, 'shim', epochMs - performance.timeOrigin);
}

/** A step that threw: its errno (err.code) names the failure, and the trace ends here. */
export function traceFailure(step: TraceStep, err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code;
  deliver({ ...step, result: 'failed', errno: typeof code === 'string' ? code : 'EUNKNOWN' }, 'minibox', performance.now());
}

function deliver(step: TraceStep, source: TraceSource, tMs: number): void {
  if (!sink || ended) return;
  if (step.errno) ended = true;
  sink({ ...step, result: step.result ?? 'ok', source, t_ms: Math.round(tMs * 1000) / 1000 });
}
