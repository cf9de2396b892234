/**
 * The small part of Go's text/template that `docker ps --format` and `inspect -f` users
 * type: `{{.Field}}`, `{{.A.B}}`, `{{json .X}}`, `{{upper .X}}`/`{{lower .X}}`, `\t`, and a
 * leading `table` that prints a header row. Unknown fields print `<no value>` like Go.
 */
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

const ACTION = /\{\{\s*(?:(json|upper|lower)\s+)?\.([\w.]*)\s*\}\}/g;

export function renderTemplate(template: string, data: unknown, get: Getter = (p) => lookup(data, p)): string {
  return template.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(ACTION, (_m, fn: string | undefined, dotted: string) => {
    const v = dotted === '' ? data : get(dotted.split('.'));
    if (fn === 'json') return JSON.stringify(v ?? null);
    if (fn === 'upper') return show(v).toUpperCase();
    if (fn === 'lower') return show(v).toLowerCase();
    return show(v);
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
