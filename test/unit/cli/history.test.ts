import { describe, expect, it } from 'vitest';
import { formatHistory } from '../../../src/cli/commands/history.js';
import { parseBoolFlag } from '../../../src/cli/options.js';
import { ellipsis } from '../../../src/cli/format/ellipsis.js';

/** `history`'s table as Docker's CLI prints it. */
const now = Date.parse('2026-12-02T12:00:00Z');
const rows = [
  { id: `sha256:${'ab'.repeat(32)}`, created: '2026-12-02T11:58:00Z', createdBy: '/bin/sh -c #(nop)  CMD ["cat" "/a/rather/long/path/name"]', size: 0, comment: '' },
  { id: '<missing>', created: '2026-11-02T12:00:00Z', createdBy: 'sh -c\techo x > /y', size: 1_240_000, comment: 'my change' },
];

describe('formatHistory', () => {
  it('IMAGE CREATED CREATED-BY SIZE COMMENT, 12-digit ids, 45-character commands', () => {
    expect(formatHistory(rows, { trunc: true, quiet: false, human: true }, now)).toBe(
      [
        'IMAGE          CREATED         CREATED BY                                      SIZE      COMMENT',
        'abababababab   2 minutes ago   /bin/sh -c #(nop)  CMD ["cat" "/a/rather/lon…   0B        ',
        '<missing>      4 weeks ago     sh -c echo x > /y                               1.24MB    my change',
        '',
      ].join('\n'),
    );
  });

  it('--no-trunc, -H=false, -q', () => {
    const out = formatHistory(rows, { trunc: false, quiet: false, human: false }, now);
    expect(out.split('\n')[0]).toMatch(/^IMAGE\s+CREATED AT\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(out).toContain(`sha256:${'ab'.repeat(32)}   2026-12-02T11:58:00Z   /bin/sh -c #(nop)  CMD ["cat" "/a/rather/long/path/name"]   0 `);
    expect(out).toContain('1240000');
    expect(formatHistory(rows, { trunc: true, quiet: true, human: true }, now)).toBe('abababababab\n<missing>\n');
  });
});

describe('dates', () => {
  it('N/A for no date or one before 2000 (an epoch-0 reproducible build); 1970 without -H', () => {
    const old = [{ id: '<missing>', created: '1970-01-01T00:00:00Z', createdBy: 'x', size: 0, comment: '' }, { id: '<missing>', createdBy: 'y', size: 0, comment: '' }];
    const human = formatHistory(old, { trunc: true, quiet: false, human: true }, now).split('\n');
    expect(human[1]).toMatch(/^<missing>\s+N\/A\s+x/);
    expect(human[2]).toMatch(/^<missing>\s+N\/A\s+y/);
    const raw = formatHistory(old, { trunc: true, quiet: false, human: false }, now).split('\n');
    expect(raw[2]).toMatch(/^<missing>\s+1970-01-01T00:00:00Z\s+y/);
  });
});

describe('ellipsis and boolean flags', () => {
  it('cuts to the width with …, leaves short text alone', () => {
    expect(ellipsis('abcdef', 4)).toBe('abc…');
    expect(ellipsis('abcd', 4)).toBe('abcd');
  });
  it("reads Go's spellings, with a short flag's '='", () => {
    expect(parseBoolFlag('false')).toBe(false);
    expect(parseBoolFlag('=false')).toBe(false);
    expect(parseBoolFlag('T')).toBe(true);
    expect(() => parseBoolFlag('nah')).toThrow(/invalid boolean/);
  });
});
