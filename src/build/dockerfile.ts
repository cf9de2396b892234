import { DockerfileParser } from 'dockerfile-ast';
import { MiniboxError } from '../util/errors.js';

/**
 * A Dockerfile's text → its instructions, as Docker's parser sees them. dockerfile-ast does the
 * line work (the `# escape=` directive, continuation lines, comment lines inside a
 * continuation, empty continuation lines); this module adds Docker's own rules on top:
 * the instruction set (an unknown one is an error naming its line), leading `--flag=value`
 * words, JSON (exec) form, and the quote-aware word split ENV/LABEL/ARG use. Nothing here
 * expands variables: that needs the build's state (shell-words.ts, at dispatch).
 */
export interface Instruction {
  line: number; // 1-based, where the instruction starts
  keyword: string; // upper case: RUN
  args: string; // the arguments, continuation lines joined; '' when none
  original: string; // as typed (keyword case kept), for `Step N/M : …`
}

export interface Dockerfile {
  escape: string;
  instructions: Instruction[];
}

export const KEYWORDS = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

export function parseDockerfile(text: string): Dockerfile {
  const df = DockerfileParser.parse(text);
  const escape = df.getEscapeCharacter();
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  for (const ins of df.getInstructions()) {
    const range = ins.getRange();
    const line = range.start.line + 1;
    const typed = ins.getInstruction();
    const keyword = typed.toUpperCase();
    if (!KEYWORDS.has(keyword)) throw new MiniboxError(`dockerfile parse error line ${line}: unknown instruction: ${typed}`, 1);
    const first = (lines[range.start.line] ?? '').slice(range.start.character).replace(/^\s*\S+/, '');
    const args = joinContinuations([first, ...lines.slice(range.start.line + 1, range.end.line + 1)], escape);
    instructions.push({ line, keyword, args, original: args ? `${typed} ${args}` : typed });
  }
  if (instructions.length === 0) throw new MiniboxError('the Dockerfile (Dockerfile) cannot be empty', 1);
  return { escape, instructions };
}

/**
 * An instruction's lines as one (Docker's parser): a line ending in the escape character
 * (blanks after it allowed) goes on with the next; comment lines and empty lines inside the
 * continuation are skipped; the joined text is trimmed. dockerfile-ast's own
 * getArgumentsContent drops the `--flags` and keeps indented comments, so not that.
 */
export function joinContinuations(lines: readonly string[], escape: string): string {
  const cont = new RegExp(`${escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[ \t]*$`);
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (i > 0 && (/^\s*#/.test(l) || l.trim() === '')) continue;
    if (!cont.test(l)) return (out + l).trim();
    out += l.replace(cont, '');
  }
  return out.trim();
}

/** One instruction's own text (an ONBUILD trigger, `RUN echo hi`) as an instruction. */
export function parseTrigger(expression: string, line: number): Instruction {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(expression);
  const typed = m?.[1] ?? '';
  const keyword = typed.toUpperCase();
  if (!KEYWORDS.has(keyword)) throw new MiniboxError(`dockerfile parse error line ${line}: unknown instruction: ${typed}`, 1);
  const args = (m?.[2] ?? '').trim();
  return { line, keyword, args, original: args ? `${typed} ${args}` : typed };
}

/** Leading `--name=value` (or a bare `--name`) words, as Docker's parser takes them off. */
export function splitFlags(args: string): { flags: Map<string, string | true>; rest: string } {
  const flags = new Map<string, string | true>();
  let rest = args.trimStart();
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m?.[1]) break;
    flags.set(m[1].toLowerCase(), m[2] ?? true);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** Refuses flags an instruction does not know, with Docker's wording. */
export function checkFlags(keyword: string, flags: Map<string, string | true>, known: readonly string[]): void {
  for (const name of flags.keys()) {
    if (!known.includes(name)) throw new MiniboxError(`dockerfile parse error: unknown flag: ${name} (${keyword})`, 1);
  }
}

/** `["a", "b"]` → [a, b]; anything that is not a JSON array of strings → undefined (shell form). */
export function parseJsonForm(rest: string): string[] | undefined {
  const t = rest.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: Docker takes it as the shell form
  }
  return undefined;
}

/**
 * Split at unquoted whitespace, keeping quotes and escapes in the words (Docker's parseWords):
 * the expansion that follows removes them, so `A="b c"` stays one word.
 */
export function splitWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] ?? '';
    if (quote === undefined && /\s/.test(ch)) {
      if (word !== '') words.push(word);
      word = '';
      continue;
    }
    if (ch === escape && quote !== "'" && i + 1 < rest.length) {
      word += ch + (rest[++i] ?? '');
      continue;
    }
    if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = undefined;
    word += ch;
  }
  if (word !== '') words.push(word);
  return words;
}

/**
 * ENV/LABEL arguments → raw (unexpanded) key/value pairs: `K=V K2="v 2"`, or the legacy
 * `ENV K the rest of the line` (one pair, the value everything after the first blank).
 */
export function parseKeyValues(keyword: string, rest: string, escape: string): Array<[string, string]> {
  const words = splitWords(rest, escape);
  if (words.length === 0) throw new MiniboxError(`${keyword} requires at least one argument`, 1);
  if (!(words[0] ?? '').includes('=')) {
    if (keyword !== 'ENV') throw new MiniboxError(`${keyword} requires at least one argument of the form key=value`, 1);
    const m = /^(\S+)\s+([\s\S]*)$/.exec(rest.trim());
    if (!m?.[1] || m[2] === undefined) throw new MiniboxError('ENV must have two arguments', 1);
    return [[m[1], m[2]]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new MiniboxError(`Syntax error - can't find = in "${w}". Must be of the form: name=value`, 1);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}
