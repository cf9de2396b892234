/**
 * The functions a minibox `--format` template can call: Go text/template's builtins that
 * make sense over JSON-like data (len, index, print/printf/println, and/or/not, eq/ne/lt/le/
 * gt/ge) and the ones Docker's CLI adds (json, join, split, title, lower, upper, pad,
 * truncate). Values are what JSON gives (string, number, boolean, null, arrays, objects);
 * `undefined` is Go's "no value" (a missing map key). How values print follows Go's fmt %v.
 */
import { goQuote, escapeUnprintable } from '../../util/go-quote.js';

export type Value = unknown;

/** A function's failure; the executor wraps it in Go's `error calling NAME: …`. */
export class CallError extends Error {}

export function isObject(v: Value): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's type name for a value, as its errors show it (JSON decoded into interface{}). */
export function goType(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Go's template truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** fmt's %v. Strings inside slices and maps come from data: their unprintables are escaped. */
export function show(v: Value, inner = false): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return inner ? escapeUnprintable(v) : v;
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map((x) => show(x, true)).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${escapeUnprintable(k)}:${show(v[k], true)}`).join(' ')}]`;
  }
  return String(v);
}

/** JSON.stringify leaves C1 controls, bidi overrides and U+2028 raw: \u escapes, still JSON. */
function jsonSafe(json: string): string {
  const unit = (c: string, i: number) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return json.replace(/[\p{C}\p{Z}]/gu, (c) => (c === ' ' ? c : c.length === 1 ? unit(c, 0) : unit(c, 0) + unit(c, 1)));
}

/** fmt.Sprint: a space between two operands when neither is a string. */
function sprint(args: Value[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += show(a);
  });
  return out;
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width);
  if (zero && /^[+-]/.test(s)) return s[0] + s.slice(1).padStart(width - 1, '0');
  return s.padStart(width, zero ? '0' : ' ');
}

function formatVerb(verb: string, arg: Value, prec: number | undefined): string {
  const bad = () => `%!${verb}(${goType(arg)}=${show(arg)})`;
  switch (verb) {
    case 'v':
      return show(arg);
    case 's':
      if (typeof arg === 'string') return prec === undefined ? arg : [...arg].slice(0, prec).join('');
      return typeof arg === 'number' || typeof arg === 'boolean' ? bad() : show(arg);
    case 'q':
      return typeof arg === 'string' ? goQuote(arg) : bad();
    case 'd':
      return typeof arg === 'number' && Number.isInteger(arg) ? String(arg) : bad();
    case 'x':
    case 'X': {
      let s: string;
      if (typeof arg === 'number' && Number.isInteger(arg)) s = arg.toString(16);
      else if (typeof arg === 'string') s = Buffer.from(arg).toString('hex');
      else return bad();
      return verb === 'X' ? s.toUpperCase() : s;
    }
    case 'f':
      return typeof arg === 'number' ? arg.toFixed(prec ?? 6) : bad();
    case 't':
      return typeof arg === 'boolean' ? String(arg) : bad();
    default:
      return `%!${verb}(${goType(arg)}=${show(arg)})`;
  }
}

/** fmt.Sprintf for the verbs templates use: %v %s %q %d %x %X %f %t %%, flags `-` and `0`, width, precision. */
export function sprintf(format: string, args: Value[]): string {
  let next = 0;
  const out = format.replace(/%([-0+ #]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])?/g, (whole, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    if (verb === undefined) return '%!(NOVERB)';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const s = formatVerb(verb, args[next++], prec === undefined ? undefined : Number(prec));
    return width === undefined ? s : pad(s, Number(width), flags.includes('-'), flags.includes('0'));
  });
  if (next < args.length) return `${out}%!(EXTRA ${args.slice(next).map((a) => `${goType(a)}=${show(a)}`).join(', ')})`;
  return out;
}

function str(name: string, v: Value): string {
  if (typeof v !== 'string') throw new CallError(`wrong type for value; expected string; got ${goType(v)}`);
  return v;
}

function int(v: Value): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new CallError(`wrong type for value; expected int; got ${goType(v)}`);
  return v;
}

function arity(name: string, args: Value[], n: number): void {
  if (args.length !== n) throw new CallError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
}

function len(v: Value): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  throw new CallError(`len of ${v === undefined || v === null ? 'nil pointer' : `type ${goType(v)}`}`);
}

function index(v: Value, keys: Value[]): Value {
  let cur = v;
  for (const k of keys) {
    if (Array.isArray(cur)) {
      const i = int(k);
      if (i < 0 || i >= cur.length) throw new CallError(`index out of range: ${i}`);
      cur = cur[i];
    } else if (isObject(cur)) {
      if (typeof k !== 'string') throw new CallError(`value has type ${goType(k)}; should be string`);
      cur = Object.prototype.hasOwnProperty.call(cur, k) ? cur[k] : undefined;
    } else if (typeof cur === 'string') {
      const i = int(k);
      const bytes = Buffer.from(cur);
      if (i < 0 || i >= bytes.length) throw new CallError(`index out of range: ${i}`);
      cur = bytes[i];
    } else if (cur === undefined || cur === null) {
      throw new CallError('index of untyped nil');
    } else {
      throw new CallError(`can't index item of type ${goType(cur)}`);
    }
  }
  return cur;
}

function comparable(a: Value, b: Value): void {
  const kind = (x: Value) => (typeof x === 'number' ? 'number' : typeof x === 'string' ? 'string' : typeof x === 'boolean' ? 'bool' : 'other');
  if (kind(a) !== kind(b) || kind(a) === 'other') throw new CallError('incompatible types for comparison');
}

function order(name: string, args: Value[], ok: (c: number) => boolean): boolean {
  arity(name, args, 2);
  const [a, b] = args;
  comparable(a, b);
  if (typeof a === 'boolean') throw new CallError('invalid type for comparison');
  const c = (a as number | string) < (b as number | string) ? -1 : a === b ? 0 : 1;
  return ok(c);
}

/** strings.Title: the first letter of each word upper-cased. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, sep: string, letter: string) => sep + letter.toUpperCase());
}

type Fn = (args: Value[]) => Value;

export const FUNCS: Record<string, Fn> = {
  json: (a) => {
    arity('json', a, 1);
    return jsonSafe(JSON.stringify(a[0] ?? null));
  },
  join: (a) => {
    arity('join', a, 2);
    const [list, sep] = a;
    if (!Array.isArray(list)) throw new CallError(`wrong type for value; expected []string; got ${goType(list)}`);
    return list.map((x) => (typeof x === 'string' ? x : show(x))).join(str('join', sep));
  },
  split: (a) => {
    arity('split', a, 2);
    return str('split', a[0]).split(str('split', a[1]));
  },
  title: (a) => (arity('title', a, 1), title(str('title', a[0]))),
  lower: (a) => (arity('lower', a, 1), str('lower', a[0]).toLowerCase()),
  upper: (a) => (arity('upper', a, 1), str('upper', a[0]).toUpperCase()),
  pad: (a) => {
    arity('pad', a, 3);
    return `${' '.repeat(Math.max(0, int(a[1])))}${str('pad', a[0])}${' '.repeat(Math.max(0, int(a[2])))}`;
  },
  truncate: (a) => {
    arity('truncate', a, 2);
    const chars = [...str('truncate', a[0])];
    const n = int(a[1]);
    return chars.length > n ? chars.slice(0, n).join('') : chars.join('');
  },
  len: (a) => (arity('len', a, 1), len(a[0])),
  index: (a) => {
    if (a.length < 1) throw new CallError('wrong number of args for index: want at least 1 got 0');
    return index(a[0], a.slice(1));
  },
  print: (a) => sprint(a),
  printf: (a) => {
    if (a.length < 1) throw new CallError('wrong number of args for printf: want at least 1 got 0');
    return sprintf(str('printf', a[0]), a.slice(1));
  },
  println: (a) => `${a.map((x) => show(x)).join(' ')}\n`,
  not: (a) => (arity('not', a, 1), !truth(a[0])),
  and: (a) => {
    if (a.length < 1) throw new CallError('wrong number of args for and: want at least 1 got 0');
    for (const x of a) if (!truth(x)) return x;
    return a[a.length - 1];
  },
  or: (a) => {
    if (a.length < 1) throw new CallError('wrong number of args for or: want at least 1 got 0');
    for (const x of a) if (truth(x)) return x;
    return a[a.length - 1];
  },
  eq: (a) => {
    if (a.length < 2) throw new CallError('missing argument for comparison');
    const [first, ...rest] = a;
    return rest.some((b) => {
      if (first === null || first === undefined || b === null || b === undefined) return (first ?? null) === (b ?? null);
      comparable(first, b);
      return first === b;
    });
  },
  ne: (a) => {
    arity('ne', a, 2);
    if (a[0] === null || a[1] === null) return a[0] !== a[1];
    comparable(a[0], a[1]);
    return a[0] !== a[1];
  },
  lt: (a) => order('lt', a, (c) => c < 0),
  le: (a) => order('le', a, (c) => c <= 0),
  gt: (a) => order('gt', a, (c) => c > 0),
  ge: (a) => order('ge', a, (c) => c >= 0),
};
