import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandWord, expandWords, lookupOf } from '../../../src/build/shell-words.js';

/** Docker's variable substitution (its builder's shell lexer), case by case and as properties. */
const env = lookupOf(['A=a', 'EMPTY=', 'SP=x y', 'PATH=/bin']);
const w = (s: string, escape = '\\') => expandWord(s, env, escape);

describe('expandWord', () => {
  it.each([
    ['$A', 'a'],
    ['${A}', 'a'],
    ['pre${A}post', 'preapost'],
    ['$UNSET', ''],
    ['${UNSET:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${UNSET-def}', 'def'],
    ['${A:-def}', 'a'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-${A}x}', 'ax'],
    ['\\$A', '$A'],
    ["'$A'", '$A'],
    ['"$A"', 'a'],
    ['"\\$A"', '$A'],
    ['"a\\b"', 'a\\b'],
    ['a\\ b', 'a b'],
    ['$', '$'],
    ['$%x', '$%x'],
    ['${PATH}:/usr/bin', '/bin:/usr/bin'],
    ['"x y"', 'x y'],
  ])('%s → %s', (input, out) => {
    expect(w(input)).toBe(out);
  });

  it('uses the escape directive\'s character', () => {
    expect(w('`$A', '`')).toBe('$A');
    expect(w('c:\\dir', '`')).toBe('c:\\dir');
  });

  it('fails on ${VAR:?msg} when unset, and on unterminated quotes or braces', () => {
    expect(() => w('${UNSET:?is required}')).toThrow('UNSET: is required');
    expect(w('${A:?x}')).toBe('a');
    expect(() => w('"abc')).toThrow('double-quote');
    expect(() => w('${A')).toThrow("missing '}'");
  });

  it('leaves text without $, quotes or escapes alone (property)', () => {
    fc.assert(fc.property(fc.string().filter((s) => !/[$'"\\]/.test(s)), (s) => expandWord(s, env) === s));
  });

  it('a single-quoted word is literal whatever it holds (property)', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes("'")), (s) => expandWord(`'${s}'`, env) === s));
  });

  it('${X:-d} is X when set and non-empty, else d (property)', () => {
    const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/);
    const plain = fc.stringMatching(/^[a-z0-9 ./-]{0,12}$/);
    fc.assert(
      fc.property(name, fc.option(plain, { nil: undefined }), plain, (n, v, d) => {
        const lookup = lookupOf(v === undefined ? [] : [`${n}=${v}`]);
        return expandWord(`\${${n}:-${d}}`, lookup) === (v ? v : d);
      }),
    );
  });
});

describe('expandWords (EXPOSE)', () => {
  it('splits an unquoted variable\'s value, not a quoted string', () => {
    expect(expandWords('$SP 80', env)).toEqual(['x', 'y', '80']);
    expect(expandWords('"$SP"', env)).toEqual(['x y']);
    expect(expandWords('$UNSET', env)).toEqual([]);
  });
});
