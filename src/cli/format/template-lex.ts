/**
 * The lexer of minibox's Go text/template subset (template-parse.ts builds the tree,
 * template-exec.ts runs it). It splits a template into text and the tokens of `{{ }}`
 * actions the way Go's text/template/parse lexer does, including the trim markers `{{- `
 * and ` -}}`, comments, and Go's wording for what it refuses (`bad character U+002D '-'`),
 * so a template Docker rejects is rejected here with the same message.
 */

export type TokenKind =
  | 'text'
  | 'left' // {{
  | 'right' // }}
  | 'space'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'declare' // :=
  | 'assign' // =
  | 'field' // .Name
  | 'dot' // .
  | 'variable' // $ or $name
  | 'identifier' // a function name or a keyword
  | 'string'
  | 'number'
  | 'bool'
  | 'nil'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token's text; for strings the unquoted value. */
  value: string;
  /** Byte offset in the template (Go reports columns from it). */
  pos: number;
  /** Offset just past the token's source text. */
  end: number;
  line: number;
}

/** A template Go would refuse to parse; the message is Go's (`template: :1: …`). */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', "'": "'" };

export function isKeyword(word: string): boolean {
  return KEYWORDS.has(word);
}

/** `U+002D '-'`, as Go's %#U prints a rune. */
export function goRune(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

const isAlnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{Nd}_]/u.test(c);
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

class Lexer {
  readonly tokens: Token[] = [];
  private pos = 0;

  constructor(private readonly src: string) {}

  private lineAt(pos: number): number {
    let line = 1;
    for (let i = 0; i < pos && i < this.src.length; i++) if (this.src[i] === '\n') line++;
    return line;
  }

  private fail(message: string, at: number): never {
    throw new TemplateError(`template: :${this.lineAt(at)}: ${message}`);
  }

  private emit(kind: TokenKind, value: string, pos: number): void {
    this.tokens.push({ kind, value, pos, end: Math.max(this.pos, pos + value.length), line: this.lineAt(pos) });
  }

  run(): Token[] {
    while (this.pos < this.src.length) {
      const open = this.src.indexOf('{{', this.pos);
      if (open < 0) {
        this.emit('text', this.src.slice(this.pos), this.pos);
        break;
      }
      const trimLeft = this.src[open + 2] === '-' && isSpace(this.src[open + 3]);
      let text = this.src.slice(this.pos, open);
      if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
      if (text !== '') this.emit('text', text, this.pos);
      this.pos = open + 2 + (trimLeft ? 2 : 0);
      this.action(open);
    }
    this.emit('eof', '', this.src.length);
    return this.tokens;
  }

  /** After a right delimiter: ` -}}` also eats the whitespace that follows. */
  private closeAction(trimRight: boolean, at: number): void {
    this.emit('right', '}}', at);
    if (trimRight) while (isSpace(this.src[this.pos])) this.pos++;
  }

  private atRightDelim(): { trim: boolean; length: number } | undefined {
    const s = this.src;
    if (s.startsWith('}}', this.pos)) return { trim: false, length: 2 };
    if (isSpace(s[this.pos]) && s.startsWith('-}}', this.pos + 1)) return { trim: true, length: 4 };
    return undefined;
  }

  private action(open: number): void {
    const s = this.src;
    // a comment fills the whole action: {{/* … */}}
    if (s.startsWith('/*', this.pos)) {
      const end = s.indexOf('*/', this.pos + 2);
      if (end < 0) this.fail('unclosed comment', open);
      this.pos = end + 2;
      const right = this.atRightDelim();
      if (!right) this.fail('comment ends before closing delimiter', open);
      this.pos += right.length;
      if (right.trim) while (isSpace(s[this.pos])) this.pos++;
      return;
    }
    this.emit('left', '{{', open);
    for (;;) {
      const right = this.atRightDelim();
      if (right) {
        const at = this.pos;
        this.pos += right.length;
        this.closeAction(right.trim, at);
        return;
      }
      const start = this.pos;
      const c = s[this.pos];
      if (c === undefined) this.fail('unclosed action', open);
      if (isSpace(c)) {
        while (isSpace(s[this.pos]) && !this.atRightDelim()) this.pos++;
        this.emit('space', ' ', start);
      } else if (c === '|') this.single('pipe');
      else if (c === '(') this.single('lparen');
      else if (c === ')') this.single('rparen');
      else if (c === ',') this.single('comma');
      else if (c === '=') this.single('assign');
      else if (c === ':') {
        if (s[this.pos + 1] !== '=') this.fail('expected :=', start);
        this.pos += 2;
        this.emit('declare', ':=', start);
      } else if (c === '"') this.quoted(start);
      else if (c === '`') this.raw(start);
      else if (c === '$') this.word('variable', start, 1);
      else if (c === '.' && !/[0-9]/.test(s[this.pos + 1] ?? '')) {
        if (isAlnum(s[this.pos + 1])) this.word('field', start, 1);
        else this.single('dot');
      } else if (c === '+' || c === '-' || c === '.' || /[0-9]/.test(c)) this.number(start);
      else if (isAlnum(c)) this.identifier(start);
      else this.fail(`bad character ${goRune(String.fromCodePoint(s.codePointAt(this.pos) ?? 0))}`, start);
    }
  }

  private single(kind: TokenKind): void {
    this.emit(kind, this.src[this.pos] ?? '', this.pos);
    this.pos++;
  }

  /** Go's atTerminator: what may follow a field, variable or identifier. */
  private checkTerminator(): void {
    const c = this.src[this.pos];
    if (c === undefined || isSpace(c) || '.,|:()'.includes(c) || this.src.startsWith('}}', this.pos)) return;
    this.fail(`bad character ${goRune(String.fromCodePoint(this.src.codePointAt(this.pos) ?? 0))}`, this.pos);
  }

  private word(kind: 'field' | 'variable', start: number, skip: number): void {
    this.pos += skip;
    while (isAlnum(this.src[this.pos])) this.pos++;
    this.checkTerminator();
    this.emit(kind, this.src.slice(start, this.pos), start);
  }

  private identifier(start: number): void {
    while (isAlnum(this.src[this.pos])) this.pos++;
    this.checkTerminator();
    const word = this.src.slice(start, this.pos);
    if (word === 'true' || word === 'false') this.emit('bool', word, start);
    else if (word === 'nil') this.emit('nil', word, start);
    else this.emit('identifier', word, start);
  }

  private number(start: number): void {
    const m = /^[+-]?(0[xX][0-9a-fA-F_]+|(\d[\d_]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?)/.exec(this.src.slice(start));
    const end = start + (m ? m[0].length : 1);
    if (!m || isAlnum(this.src[end])) {
      let bad = end;
      while (isAlnum(this.src[bad])) bad++;
      this.fail(`bad number syntax: "${this.src.slice(start, bad)}"`, start);
    }
    this.pos = end;
    this.emit('number', m[0].replace(/_/g, ''), start);
  }

  private quoted(start: number): void {
    let out = '';
    let i = start + 1;
    for (;;) {
      const c = this.src[i];
      if (c === undefined || c === '\n') this.fail('unterminated quoted string', start);
      if (c === '"') break;
      if (c === '\\') {
        const e = this.src[i + 1] ?? '';
        const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        if (hex > 0) {
          const digits = this.src.slice(i + 2, i + 2 + hex);
          if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) this.fail(`invalid syntax`, start);
          out += String.fromCodePoint(parseInt(digits, 16));
          i += 2 + hex;
          continue;
        }
        const named = ESCAPES[e];
        if (named === undefined) this.fail('invalid syntax', start);
        out += named;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    this.emit('string', out, start);
  }

  private raw(start: number): void {
    const end = this.src.indexOf('`', start + 1);
    if (end < 0) this.fail('unterminated raw quoted string', start);
    this.pos = end + 1;
    this.emit('string', this.src.slice(start + 1, end), start);
  }
}

export function lex(template: string): Token[] {
  return new Lexer(template).run();
}
