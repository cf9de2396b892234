/**
 * Go's strconv.Quote, which Docker uses wherever it shows a string that came from outside
 * (`ps`'s COMMAND column, `invalid argument %q for ... flag`): backslash and double quote
 * escaped, and every character that is not printable — controls (ESC and the rest of C0, DEL,
 * C1), format characters such as the bidi overrides, line and paragraph separators, spaces
 * other than U+0020 — written as an escape. What comes out can go to a terminal as is: it
 * holds no control sequence and no line break.
 */
const NAMED: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

// not printable in Go's sense (unicode.IsPrint): categories C and Z, except the ASCII space
const UNPRINTABLE = /[\p{C}\p{Z}]/gu;

/** One character's Go escape: \n-style when named, \xNN below 0x80, else \uNNNN or \UNNNNNNNN. */
function escapeChar(c: string): string {
  if (c === ' ') return c;
  const named = NAMED[c];
  if (named) return named;
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Only the unprintable characters escaped (no quotes added, backslash and quote kept). */
export function escapeUnprintable(s: string): string {
  return s.replace(UNPRINTABLE, escapeChar);
}

/** Go's %q: in double quotes, `\` and `"` escaped, unprintable characters escaped. */
export function goQuote(s: string): string {
  return `"${escapeUnprintable(s.replace(/[\\"]/g, (c) => `\\${c}`))}"`;
}
