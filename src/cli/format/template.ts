/**
 * The small part of Go's text/template that `docker ps --format` and `inspect -f` users
 * type: `{{.Field}}`, `{{.A.B}}`, `{{json .X}}`, `{{upper .X}}`/`{{lower .X}}`, `\t`, and a
 * leading `table` that prints a header row. Unknown fields print `<no value>` like Go.
 * The values (not the template: its \t and \n are the user's) have their unprintable
 * characters escaped, as table cells do (terminal-safe.ts): they come from images.
 */
import { escapeUnprintable } from '../../util/go-quote.js';

type Getter = (path: string[]) => unknown;

function lookup(value: unknown, path: string[]): unknown {
  let v: unknown = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !(key in v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'object') return Array.isArray(v) ? `[${v.map(show).join(' ')}]` : `map[${Object.entries(v).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  return String(v);
}

/** JSON.stringify leaves C1 controls, bidi overrides and U+2028 raw: \u escapes, still JSON. */
function jsonSafe(json: string): string {
  const unit = (c: string, i: number) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return json.replace(/[\p{C}\p{Z}]/gu, (c) => (c === ' ' ? c : c.length === 1 ? unit(c, 0) : unit(c, 0) + unit(c, 1)));
}

const ACTION = /\{\{\s*(?:(json|upper|lower)\s+)?\.([\w.]*)\s*\}\}/g;

export function renderTemplate(template: string, data: unknown, get: Getter = (p) => lookup(data, p)): string {
  return template.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(ACTION, (_m, fn: string | undefined, dotted: string) => {
    const v = dotted === '' ? data : get(dotted.split('.'));
    if (fn === 'json') return jsonSafe(JSON.stringify(v ?? null));
    if (fn === 'upper') return escapeUnprintable(show(v).toUpperCase());
    if (fn === 'lower') return escapeUnprintable(show(v).toLowerCase());
    return escapeUnprintable(show(v));
  });
}

/** `table {{.ID}}\t{{.Names}}` → header from the field names (Docker's header names given). */
export function splitTable(format: string, headers: Record<string, string>): { header?: string; row: string } {
  const m = /^table\s+/.exec(format);
  if (!m) return { row: format };
  const row = format.slice(m[0].length);
  const header = row.replace(/\\t/g, '\t').replace(ACTION, (_x, _fn, dotted: string) => headers[dotted] ?? dotted.toUpperCase());
  return { header, row };
}
