/**
 * `WWW-Authenticate` parsing (RFC 7235): one header may hold several challenges, each a
 * scheme followed by comma-separated `key=value` parameters whose values may be quoted
 * strings containing commas, spaces and backslash escapes. Parsed generically so no
 * registry (Hub included) is special-cased.
 */
export interface Challenge {
  scheme: string; // lower-cased: "bearer", "basic"
  params: Record<string, string>; // keys lower-cased, values unquoted
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

class Scanner {
  pos = 0;
  constructor(readonly s: string) {}

  skipSpace(): void {
    while (this.pos < this.s.length && /[ \t]/.test(this.s[this.pos] ?? '')) this.pos++;
  }

  skipSeparators(): void {
    while (this.pos < this.s.length && /[ \t,]/.test(this.s[this.pos] ?? '')) this.pos++;
  }

  peek(): string {
    return this.s[this.pos] ?? '';
  }

  token(): string {
    const start = this.pos;
    while (this.pos < this.s.length && TOKEN_CHAR.test(this.s[this.pos] ?? '')) this.pos++;
    return this.s.slice(start, this.pos);
  }

  /** A quoted string starting at the opening quote; an unterminated one runs to the end. */
  quoted(): string {
    this.pos++; // opening quote
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos++] ?? '';
      if (c === '"') return out;
      if (c === '\\' && this.pos < this.s.length) out += this.s[this.pos++] ?? '';
      else out += c;
    }
    return out;
  }

  /** Token68 values (Basic's base64, `=` padding included) or a plain token value. */
  value(): string {
    if (this.peek() === '"') return this.quoted();
    const start = this.pos;
    while (this.pos < this.s.length && !/[ \t,]/.test(this.s[this.pos] ?? '')) this.pos++;
    return this.s.slice(start, this.pos);
  }

  /** True when the text ahead is `key=` (a parameter), not the next challenge's scheme. */
  atParam(): boolean {
    const save = this.pos;
    const key = this.token();
    this.skipSpace();
    const isParam = key !== '' && this.peek() === '=';
    this.pos = save;
    return isParam;
  }
}

function parseParams(sc: Scanner, params: Record<string, string>): void {
  for (;;) {
    sc.skipSeparators();
    if (sc.pos >= sc.s.length || !sc.atParam()) return;
    const key = sc.token().toLowerCase();
    sc.skipSpace();
    sc.pos++; // '='
    sc.skipSpace();
    params[key] = sc.value();
  }
}

/** All challenges in a header value, in order; malformed trailing text is ignored. */
export function parseChallenges(header: string): Challenge[] {
  const sc = new Scanner(header);
  const out: Challenge[] = [];
  for (;;) {
    sc.skipSeparators();
    if (sc.pos >= sc.s.length) return out;
    const scheme = sc.token();
    if (scheme === '') return out; // garbage: keep what was understood
    const params: Record<string, string> = {};
    parseParams(sc, params);
    out.push({ scheme: scheme.toLowerCase(), params });
  }
}

/** The first challenge of the given scheme, from all `WWW-Authenticate` values. */
export function findChallenge(header: string | null, scheme: 'bearer' | 'basic'): Challenge | undefined {
  if (!header) return undefined;
  return parseChallenges(header).find((c) => c.scheme === scheme);
}
