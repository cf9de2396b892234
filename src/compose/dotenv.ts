/**
 * The `.env` / `--env-file` / `env_file:` format as Compose reads it: `KEY=VALUE` lines,
 * optional `export `, `#` comments (inline after a space for unquoted values), single quotes
 * kept literally, double quotes with \n \t \" \\ escapes, values interpolated (unquoted and
 * double-quoted) against the variables defined above them and then the lookup given. A bare
 * `KEY` takes its value from the lookup, or is left out when the lookup has none.
 * Guarantees: pure; a malformed line is an error naming the file and line.
 */
import { interpolate, newContext, type Lookup } from './interpolate.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseDotenv(text: string, source: string, lookup: Lookup): Map<string, string> {
  const out = new Map<string, string>();
  const scoped: Lookup = (name) => out.get(name) ?? lookup(name);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = (lines[n] ?? "").trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const eq = line.indexOf('=');
    const key = (eq === -1 ? line : line.slice(0, eq)).trim();
    if (!KEY.test(key)) throw new Error(`${source}:${n + 1}: unexpected character in variable name "${key}"`);
    if (eq === -1) {
      const v = lookup(key);
      if (v !== undefined) out.set(key, v);
      continue;
    }
    let rest = line.slice(eq + 1).trimStart();
    let value: string;
    if (rest.startsWith("'")) {
      const close = findClose(lines, n, rest, "'");
      value = close.body;
      n = close.line;
    } else if (rest.startsWith('"')) {
      const close = findClose(lines, n, rest, '"');
      n = close.line;
      value = interpolate(unescape(close.body), newContext(scoped));
    } else {
      const hash = rest.search(/\s#/);
      if (hash !== -1) rest = rest.slice(0, hash);
      value = interpolate(rest.trim(), newContext(scoped));
    }
    out.set(key, value);
  }
  return out;
}

/** A quoted value may run over several lines; returns its body and the line it ends on. */
function findClose(lines: string[], start: number, first: string, quote: string): { body: string; line: number } {
  let text = first.slice(1);
  let line = start;
  for (;;) {
    let i = 0;
    while (i < text.length) {
      if (quote === '"' && text.charAt(i) === '\\') {
        i += 2;
        continue;
      }
      if (text.charAt(i) === quote) return { body: text.slice(0, i), line };
      i++;
    }
    line++;
    if (line >= lines.length) throw new Error(`unterminated quoted value on line ${start + 1}`);
    text += `\n${lines[line] ?? ""}`;
  }
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}
