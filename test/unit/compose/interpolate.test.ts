import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpolate, newContext } from '../../../src/compose/interpolate.js';

const env: Record<string, string> = { A: 'alpha', EMPTY: '', B: 'beta' };
const run = (s: string, e: Record<string, string> = env) => interpolate(s, newContext((k) => e[k]));

describe('compose interpolation', () => {
  it.each([
    ['${A}', 'alpha'],
    ['$A-x', 'alpha-x'],
    ['pre${A}post', 'prealphapost'],
    ['${UNSET:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${UNSET-def}', 'def'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['$$A', '$A'],
    ['$${A}', '${A}'],
    ['${UNSET:-${B}}', 'beta'],
    ['${A:?never}', 'alpha'],
    ['cost: 5$', 'cost: 5$'],
    ['${UNSET:-a b}', 'a b'],
  ])('%s → %s', (input, out) => {
    expect(run(input)).toBe(out);
  });

  it('required variables fail with Compose\'s message', () => {
    expect(() => run('${UNSET:?set it please}')).toThrow('required variable UNSET is missing a value: set it please');
    expect(() => run('${EMPTY:?no}')).toThrow('required variable EMPTY is missing a value: no');
    expect(run('${EMPTY?no}')).toBe('');
    expect(() => run('${UNSET?}')).toThrow(/^required variable UNSET is missing a value$/);
  });

  it('a default is evaluated only when it is used', () => {
    expect(run('${A:-${UNSET:?boom}}')).toBe('alpha');
  });

  it('an unset variable becomes empty with one warning', () => {
    const ctx = newContext(() => undefined);
    expect(interpolate('${X}$X', ctx)).toBe('');
    expect(ctx.warnings).toEqual(['The "X" variable is not set. Defaulting to a blank string.']);
  });

  it('rejects broken templates', () => {
    expect(() => run('${A')).toThrow('Invalid template');
    expect(() => run('${}')).toThrow('Invalid template');
    expect(() => run('${A:x}')).toThrow('Invalid template');
  });

  it('text without `$` is unchanged; `$$` always yields one `$`', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('$')), (s) => {
        expect(run(s)).toBe(s);
        expect(run(s.split('').join('$$'))).toBe(s.split('').join('$'));
      }),
    );
  });

  it('a set variable substitutes to its value in every braced form that uses it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((s) => !s.includes('$') && !s.includes('}')), (v) => {
        const e = { V: v };
        for (const t of ['${V}', '$V', '${V:-x}', '${V-x}', '${V:?x}', '${V?x}']) expect(run(t, e)).toBe(v);
        expect(run('${V:+alt}', e)).toBe('alt');
      }),
    );
  });
});
