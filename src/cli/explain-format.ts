import type { TraceEvent } from '../util/trace-events.js';
import { CONCEPTS } from './explain-concepts.js';

/**
 * How `--explain` shows a trace event (pure, so unit tests pin it down):
 *   text     one short line a step: `[shim] clone(CLONE_NEWPID|…) → pid 4242`
 *   verbose  the same, plus one "why" sentence under the first step of each concept
 *   json     one JSON object a line: step, target, value, result, errno?, concept?, source, t_ms
 */
export type ExplainMode = 'text' | 'verbose' | 'json';

export const EXPLAIN_MODES: Readonly<Record<string, ExplainMode>> = { '': 'text', text: 'text', verbose: 'verbose', json: 'json' };

/** A formatter keeps which concepts it explained already: one per trace. */
export function createExplainFormatter(mode: ExplainMode): (event: TraceEvent) => string {
  if (mode === 'json') return jsonLine;
  const explained = new Set<string>();
  return (event) => {
    const line = `${textLine(event)}\n`;
    if (mode !== 'verbose' || !event.concept || explained.has(event.concept)) return line;
    explained.add(event.concept);
    const why = CONCEPTS[event.concept];
    return why ? `${line}      why: ${why}\n` : line;
  };
}

function jsonLine(e: TraceEvent): string {
  const out: Record<string, unknown> = { step: e.step, target: e.target ?? null, value: e.value ?? null, result: e.result };
  if (e.errno) out.errno = e.errno;
  if (e.concept) out.concept = e.concept;
  out.source = e.source;
  out.t_ms = e.t_ms;
  return `${JSON.stringify(out)}\n`;
}

export function textLine(e: TraceEvent): string {
  let text = e.step;
  let value = e.value;
  if (e.step === 'mount' && value) {
    // `mount overlay on …/rootfs lowerdir=…`: the type first, as mount(8) reads
    const [kind, ...rest] = value.split(' ');
    text += ` ${kind} on ${e.target ?? '?'}`;
    value = rest.join(' ');
    if (value) text += ` ${value}`;
  } else {
    if (e.target) text += e.target.startsWith('(') ? e.target : ` ${e.target}`;
    if (value) text += value.startsWith('(') ? ` ${value}` : ` ← ${value}`;
  }
  if (e.errno) text += ` → ${e.errno}${e.result && e.result !== 'failed' ? ` (${e.result})` : ''}`;
  else if (e.result && e.result !== 'ok') text += ` → ${e.result}`;
  return `[${e.source}] ${shorten(text)}`;
}

/**
 * Short lines: ids and digests by their first 12 hex digits (as `docker ps` shows them), and a
 * container's own files as `…/rootfs`, `…/upper` (the one container a trace is about), the
 * shared layer snapshots as `…/snapshots/<id>`. The json mode keeps every path whole.
 */
export function shorten(text: string): string {
  return text
    .replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…')
    .replace(/\/[^\s:,]*?\/containers\/[0-9a-f]{12}…/g, '…')
    .replace(/\/[^\s:,]*?\/snapshots\//g, '…/snapshots/');
}
