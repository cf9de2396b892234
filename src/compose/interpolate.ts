/**
 * Compose's variable interpolation, applied to every string value of a compose file before it
 * is validated: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}`
 * (unset), `${VAR:?err}` / `${VAR?err}` (required), `${VAR:+alt}` / `${VAR+alt}` (when set),
 * `$$` for a literal `$`. Defaults and alternatives may themselves hold substitutions
 * (`${A:-${B}}`), as in compose-go. Keys are never interpolated, only values.
 * Guarantees: pure (the environment is a lookup passed in); an unset variable without a
 * default becomes "" and is reported once through `warnings`, with Compose's wording.
 */

export type Lookup = (name: string) => string | undefined;

export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export interface InterpolateContext {
  lookup: Lookup;
  /** Names already warned about: Compose warns once per variable. */
  warned: Set<string>;
  warnings: string[];
}

export function newContext(lookup: Lookup): InterpolateContext {
  return { lookup, warned: new Set(), warnings: [] };
}

/** Substitutes every variable of `text`. Throws InterpolationError on a bad template or a missing required variable. */
export function interpolate(text: string, ctx: InterpolateContext): string {
  const { value, end } = substitute(text, 0, ctx, false);
  if (end !== text.length) throw new InterpolationError(`Invalid template: "${text}"`);
  return value;
}

/** Reads from `pos` until the end (or, when `nested`, until the `}` closing a default). */
function substitute(text: string, pos: number, ctx: InterpolateContext, nested: boolean): { value: string; end: number } {
  let out = '';
  let i = pos;
  while (i < text.length) {
    const c = text.charAt(i);
    if (nested && c === '}') return { value: out, end: i };
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const r = braced(text, i + 2, ctx);
      out += r.value;
      i = r.end;
    } else if (next !== undefined && NAME_START.test(next)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text.charAt(j))) j++;
      out += valueOf(text.slice(i + 1, j), ctx);
      i = j;
    } else {
      // a lone `$` (end of text, or followed by something that is not a name) stays as it is
      out += '$';
      i++;
    }
  }
  if (nested) throw new InterpolationError(`Invalid template: "${text}"`);
  return { value: out, end: i };
}

/** Parses `NAME[op word]}` starting just after `${`; returns the substituted value and the index after `}`. */
function braced(text: string, pos: number, ctx: InterpolateContext): { value: string; end: number } {
  let j = pos;
  if (j >= text.length || !NAME_START.test(text.charAt(j))) throw new InterpolationError(`Invalid template: "${text}"`);
  while (j < text.length && NAME_CHAR.test(text.charAt(j))) j++;
  const name = text.slice(pos, j);
  if (text[j] === '}') return { value: valueOf(name, ctx), end: j + 1 };

  const colon = text[j] === ':';
  const op = text[colon ? j + 1 : j];
  if (op !== '-' && op !== '?' && op !== '+') throw new InterpolationError(`Invalid template: "${text}"`);
  const wordStart = j + (colon ? 2 : 1);
  const raw = ctx.lookup(name);
  const set = raw !== undefined && (!colon || raw !== '');
  // the word is only evaluated when it is used, so `${SET:-${UNSET:?x}}` does not fail
  const skip: InterpolateContext = { lookup: () => 'x', warned: new Set(), warnings: [] };
  const used = (op === '-' && !set) || (op === '+' && set) || (op === '?' && !set);
  const word = substitute(text, wordStart, used ? ctx : skip, true);
  const end = word.end + 1;
  switch (op) {
    case '-':
      return { value: set ? (raw ?? '') : word.value, end };
    case '+':
      return { value: set ? word.value : '', end };
    default:
      if (!set) throw new InterpolationError(`required variable ${name} is missing a value${word.value ? `: ${word.value}` : ''}`);
      return { value: raw ?? '', end };
  }
}

function valueOf(name: string, ctx: InterpolateContext): string {
  const v = ctx.lookup(name);
  if (v !== undefined) return v;
  if (!ctx.warned.has(name)) {
    ctx.warned.add(name);
    ctx.warnings.push(`The "${name}" variable is not set. Defaulting to a blank string.`);
  }
  return '';
}
