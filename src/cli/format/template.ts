/**
 * `--format` for `ps`, `images`, `inspect`, `network ls` and the rest: a small Go
 * text/template (template-lex.ts, template-parse.ts, template-exec.ts, template-funcs.ts):
 * fields and chains, variables, pipelines, `if`/`range`/`with`/`else`/`end`, Go's builtins
 * and Docker's extra functions (json, join, split, title, upper, lower, pad, truncate).
 * A template Go would refuse fails as Docker's CLI fails — `template parsing error:
 * template: :1: bad character U+002D '-'`, exit 1 — and so does one that fails while it
 * runs, before anything is printed. Like Docker, `\t` and `\n` typed in the template are
 * a tab and a newline, and a leading `table` prints a header row (splitTable).
 */
import { MiniboxError } from '../../util/errors.js';
import { execute, type Getter } from './template-exec.js';
import { TemplateError } from './template-lex.js';
import { parseTemplate, type TemplateNode } from './template-parse.js';

const parsed = new Map<string, TemplateNode[]>();

/** `\t`/`\n` typed in the text (not inside an action, where `{{"\n"}}` already means a newline). */
function withEscapes(template: string): string {
  return template
    .split(/(\{\{[\s\S]*?\}\})/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\\t/g, '\t').replace(/\\n/g, '\n')))
    .join('');
}

function parse(src: string): TemplateNode[] {
  let nodes = parsed.get(src);
  if (!nodes) {
    nodes = parseTemplate(src);
    parsed.set(src, nodes);
  }
  return nodes;
}

function asUserError(err: unknown): never {
  if (err instanceof TemplateError) throw new MiniboxError(`template parsing error: ${err.message}`, 1);
  throw err;
}

/** Checks a template without running it (a command can refuse it before doing any work). */
export function checkTemplate(template: string): void {
  try {
    parse(withEscapes(template));
  } catch (err) {
    asUserError(err);
  }
}

export function renderTemplate(template: string, data: unknown, get?: Getter): string {
  const src = withEscapes(template);
  try {
    return execute(src, parse(src), data, get);
  } catch (err) {
    return asUserError(err);
  }
}

/** `table {{.ID}}\t{{.Names}}` → a header (the template run over Docker's column names) and the row template. */
export function splitTable(format: string, headers: Record<string, string>): { header?: string; row: string } {
  const m = /^table\s+/.exec(format);
  if (!m) return { row: format };
  const row = format.slice(m[0].length);
  const header = renderTemplate(row, {}, (path) => headers[path.join('.')] ?? (path[path.length - 1] ?? '').toUpperCase());
  return { header, row };
}
