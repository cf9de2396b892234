import { MiniboxError } from '../util/errors.js';

/**
 * Docker's Dockerfile word lexer (the `shell` package of Docker's builder): variable
 * substitution and quote removal for the instructions that expand variables (FROM, ENV, ARG,
 * LABEL, COPY, ADD, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, ONBUILD is not one).
 *
 * - `$VAR`, `${VAR}`; `${VAR:-w}` (unset or empty → w), `${VAR-w}` (unset → w),
 *   `${VAR:+w}` (set and non-empty → w), `${VAR+w}` (set → w), `${VAR:?msg}` / `${VAR?msg}`
 *   (an error when unset [or empty]); w is itself expanded.
 * - 'single quotes' are literal; "double quotes" expand `$` and take the escape character
 *   before `"`, `$` and itself; elsewhere the escape character makes the next one literal.
 * - `$` not followed by a name stays a `$`.
 * Unlike a POSIX shell there is no command substitution, arithmetic or globbing: as Docker.
 */
export type Lookup = (name: string) => string | undefined;

/** An env list (`K=V`, later entries win) as a lookup. */
export function lookupOf(env: readonly string[]): Lookup {
  const map = new Map<string, string>();
  for (const kv of env) {
    const eq = kv.indexOf('=');
    if (eq > 0) map.set(kv.slice(0, eq), kv.slice(eq + 1));
    else if (eq < 0) map.set(kv, '');
  }
  return (name) => map.get(name);
}

class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    readonly escape: string,
    readonly lookup: Lookup,
  ) {}

  peek(): string | undefined {
    return this.pos < this.text.length ? this.text[this.pos] : undefined;
  }

  next(): string | undefined {
    return this.pos < this.text.length ? this.text[this.pos++] : undefined;
  }
}

/** One word, expanded and unquoted (Docker's ProcessWord): whitespace is kept. */
export function expandWord(word: string, lookup: Lookup, escape = '\\'): string {
  const s = new Scanner(word, escape, lookup);
  return readUntil(s, undefined, false).map((p) => p.text).join('');
}

/**
 * Words split at unquoted whitespace, each expanded and unquoted (Docker's ProcessWords, which
 * only EXPOSE uses): an unquoted variable's value splits too, a quoted string does not.
 */
export function expandWords(text: string, lookup: Lookup, escape = '\\'): string[] {
  const s = new Scanner(text, escape, lookup);
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (const part of readUntil(s, undefined, true)) {
    if (part.space) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += part.text;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

interface Part {
  text: string;
  space?: boolean; // an unquoted run of whitespace (a word break when splitting)
}

function readUntil(s: Scanner, stop: string | undefined, split: boolean): Part[] {
  const parts: Part[] = [];
  for (;;) {
    const ch = s.peek();
    if (ch === undefined) {
      if (stop !== undefined) throw new MiniboxError(`failed to process "${s.text}": missing '}'`, 1);
      return parts;
    }
    if (ch === stop) {
      s.next();
      return parts;
    }
    if (ch === "'") parts.push({ text: singleQuoted(s) });
    else if (ch === '"') parts.push({ text: doubleQuoted(s) });
    else if (ch === '$') {
      const value = dollar(s);
      // EXPOSE $PORTS with PORTS="80 443" is two ports: an unquoted value splits (Docker)
      if (split) for (const piece of value.split(/(\s+)/).filter((x) => x !== '')) parts.push(/^\s+$/.test(piece) ? { text: piece, space: true } : { text: piece });
      else parts.push({ text: value });
    }
    else if (ch === s.escape) {
      s.next();
      const lit = s.next();
      if (lit !== undefined) parts.push({ text: lit });
    } else if (split && /\s/.test(ch)) {
      s.next();
      parts.push({ text: ch, space: true });
    } else {
      s.next();
      parts.push({ text: ch });
    }
  }
}

function singleQuoted(s: Scanner): string {
  s.next();
  let out = '';
  for (;;) {
    const ch = s.next();
    if (ch === undefined) throw new MiniboxError(`failed to process "${s.text}": unexpected end of statement while looking for matching single-quote`, 1);
    if (ch === "'") return out;
    out += ch;
  }
}

function doubleQuoted(s: Scanner): string {
  s.next();
  let out = '';
  for (;;) {
    const ch = s.peek();
    if (ch === undefined) throw new MiniboxError(`failed to process "${s.text}": unexpected end of statement while looking for matching double-quote`, 1);
    if (ch === '"') {
      s.next();
      return out;
    }
    if (ch === '$') {
      out += dollar(s);
      continue;
    }
    s.next();
    if (ch === s.escape) {
      const after = s.peek();
      if (after === undefined) continue; // an escape at the very end is dropped
      if (after === '"' || after === '$' || after === s.escape) {
        out += s.next();
        continue;
      }
    }
    out += ch;
  }
}

const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

function readName(s: Scanner): string {
  let name = '';
  for (;;) {
    const ch = s.peek();
    if (ch === undefined) return name;
    if (name === '' && /[0-9]/.test(ch)) {
      while (s.peek() !== undefined && /[0-9]/.test(s.peek() ?? '')) name += s.next();
      return name;
    }
    if (name === '' && SPECIAL.has(ch)) return s.next() ?? '';
    if (!/[\p{L}\p{N}_]/u.test(ch)) return name;
    name += s.next();
  }
}

function dollar(s: Scanner): string {
  s.next(); // the $
  if (s.peek() !== '{') {
    const name = readName(s);
    return name === '' ? '$' : (s.lookup(name) ?? '');
  }
  s.next(); // the {
  const name = readName(s);
  if (name === '') throw new MiniboxError(`failed to process "${s.text}": bad substitution`, 1);
  const value = s.lookup(name);
  let ch = s.next();
  if (ch === '}') return value ?? '';
  const colon = ch === ':';
  if (colon) ch = s.next();
  const word = readUntil(s, '}', false).map((p) => p.text).join('');
  const unset = colon ? value === undefined || value === '' : value === undefined;
  switch (ch) {
    case '-':
      return unset ? word : (value ?? '');
    case '+':
      return unset ? '' : word;
    case '?':
      if (unset) throw new MiniboxError(`failed to process "${s.text}": ${name}: ${word || 'is not allowed to be unset'}`, 1);
      return value ?? '';
    default:
      throw new MiniboxError(`failed to process "${s.text}": unsupported modifier (${ch ?? 'end of word'}) in substitution`, 1);
  }
}
