import { describe, expect, it } from 'vitest';
import { COLUMN, expandTabs, fold, promptLines, renderFor, rule, shownLines, sideBySide } from '../../../../src/cli/lab/text-layout.js';

describe('the lab runner\'s layout', () => {
  it('rules are 80 columns, a longer title left whole', () => {
    expect(rule('Step 1/2: x')).toBe(`-- Step 1/2: x ${'-'.repeat(80 - 15)}`);
    expect(rule('Step 1/2: x')).toHaveLength(80);
    const long = 'y'.repeat(90);
    expect(rule(long)).toBe(`-- ${long} `);
  });

  it('folds at the last space within 80 columns, as fold -s does', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const lines = fold(words).split('\n');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines.join('')).toBe(words); // nothing lost: the space stays at the end of each part
    expect(lines[0]!.endsWith(' ')).toBe(true);
    expect(fold('x'.repeat(85))).toBe(`${'x'.repeat(80)}\nxxxxx`);
    expect(fold('a'.repeat(80))).toBe('a'.repeat(80));
  });

  it('expands tabs to 8-column stops and cuts long outputs, counting the rest', () => {
    expect(expandTabs('a\tb\tc')).toBe('a       b       c');
    expect(shownLines('', 30)).toEqual(['(no output)']);
    expect(shownLines('1\n2\n3\n4', 2)).toEqual(['1', '2', '... 2 more lines']);
  });

  it('sets two outputs side by side, ` | ` on the lines that differ', () => {
    const rows = sideBySide({ name: 'minibox', status: 0, output: 'same\nmine\nonly left' }, { name: 'podman', status: 1, output: 'same\ntheirs' }, 30);
    expect(rows).toEqual([
      `${'== minibox (exit 0)'.padEnd(COLUMN)}   == podman (exit 1)`,
      `${'same'.padEnd(COLUMN)}   same`,
      `${'mine'.padEnd(COLUMN)} | theirs`,
      `${'only left'.padEnd(COLUMN)} | `,
    ]);
    expect(rows.every((r) => r.length <= 80)).toBe(true);
  });

  it('puts them one after the other when a line is wider than a column', () => {
    const wide = 'w'.repeat(COLUMN + 1);
    const rows = sideBySide({ name: 'minibox', status: 0, output: wide }, { name: 'docker', status: 0, output: 'short' }, 30);
    expect(rows).toEqual([rule('minibox (exit 0)'), wide, rule('docker (exit 0)'), 'short']);
  });

  it('renders a command as typed with one engine', () => {
    expect(renderFor('$ENGINE run $RUN_FLAGS -p $PORT:80 -p $PORT2:81 busybox', 'minibox', 8080)).toBe('minibox run -p 8080:80 -p 8081:81 busybox');
    expect(promptLines('a\nb')).toEqual(['$ a', '  b']);
  });
});
