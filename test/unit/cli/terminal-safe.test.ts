import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../../src/cli/format/terminal-safe.js';
import { formatTable } from '../../../src/cli/format/table.js';
import { renderTemplate } from '../../../src/cli/format/template.js';
import { goQuote } from '../../../src/util/go-quote.js';

/** Text from images on its way to the terminal: escapes shown, never obeyed (issue 11 item 5). */
describe('terminalSafe', () => {
  it('shows control characters as Go escapes', () => {
    expect(terminalSafe('\x1b]0;pwned\x07')).toBe('\\x1b]0;pwned\\a');
    expect(terminalSafe('a\nb\tc\rd\x00e\x7f')).toBe('a\\nb\\tc\\rd\\x00e\\x7f');
    expect(terminalSafe('\u009b31m')).toBe('\\u009b31m'); // C1 CSI
    expect(terminalSafe('abc\u202edcba')).toBe('abc\\u202edcba'); // bidi override
    expect(terminalSafe('x\u2028y')).toBe('x\\u2028y');
  });

  it('leaves printable text alone, any script', () => {
    for (const s of ['busybox:latest', 'sh -c "sleep 30"', 'ünïcode ✓ 名前', 'C:\\path', 'Up 2 seconds']) expect(terminalSafe(s)).toBe(s);
  });

  it('is what Go\'s %q does inside the quotes', () => {
    expect(goQuote('printf "\x1b]0;pwned\x07"')).toBe('"printf \\"\\x1b]0;pwned\\a\\""');
    expect(goQuote('a\\b')).toBe('"a\\\\b"');
    expect(goQuote('\u{e0001}')).toBe('"\\U000e0001"');
  });
});

describe('tables and templates use it for every value', () => {
  it('a table cell with an escape stays one cell on one line, aligned by what is shown', () => {
    const out = formatTable(['NAME', 'CMD'], [['x\x1b[2J', 'sh\nrm -rf /']]);
    expect(out).toBe('NAME       CMD\nx\\x1b[2J   sh\\nrm -rf /\n');
    expect(out).not.toMatch(/\x1b/);
  });

  it('template values escaped; the template\'s own \\t and \\n kept', () => {
    expect(renderTemplate('{{.Names}}\\t{{.Command}}\\n', { Names: 'n\x1b]0;t\x07', Command: 'c' })).toBe('n\\x1b]0;t\\a\tc\n');
    const json = renderTemplate('{{json .Cmd}}', { Cmd: ['a\x1bb', 'c\u0085d', 'e\u202ef'] });
    expect(json).toBe('["a\\u001bb","c\\u0085d","e\\u202ef"]');
    expect(JSON.parse(json)).toEqual(['a\x1bb', 'c\u0085d', 'e\u202ef']);
  });
});
