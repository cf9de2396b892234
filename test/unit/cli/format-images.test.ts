import { describe, expect, it } from 'vitest';
import { formatG, humanSize } from '../../../src/cli/format/bytes.js';
import { ago } from '../../../src/cli/format/duration.js';
import { formatImageIds, formatImagesTable } from '../../../src/cli/format/images.js';
import { formatTable } from '../../../src/cli/format/table.js';

describe('humanSize (go-units HumanSizeWithPrecision(n, 3))', () => {
  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [1024, '1.02kB'],
    [2_155_000, '2.15MB'],
    [2_165_000, '2.17MB'],
    [4_261_550, '4.26MB'],
    [77_800_000, '77.8MB'],
    [123_456_789, '123MB'],
    [1_500_000_000, '1.5GB'],
    [999_999, '1e+03kB'], // Docker's own quirk with %.3g
  ])('%d → %s', (n, want) => {
    expect(humanSize(n)).toBe(want);
  });

  it('formats like Go %g', () => {
    expect(formatG(0.0001234, 3)).toBe('0.000123');
    expect(formatG(0.00001234, 3)).toBe('1.23e-05');
    expect(formatG(100, 3)).toBe('100');
  });
});

describe('ago (CREATED column)', () => {
  it('says "N/A" without a creation time', () => {
    expect(ago(undefined, Date.now())).toBe('N/A');
    expect(ago('garbage', Date.now())).toBe('N/A');
    expect(ago('2024-01-01T00:00:00Z', Date.parse('2024-01-03T00:00:00Z'))).toBe('2 days ago');
    expect(ago('1970-01-01T00:00:00Z', Date.now())).toBe('N/A'); // Docker's zero time
  });
});

describe('images table', () => {
  const id = `sha256:${'0123456789ab'.repeat(5)}abcd`;
  const rows = [{ repository: 'busybox', tag: 'latest', imageId: id, created: '2024-01-01T00:00:00Z', size: 2_155_000 }];
  const now = Date.parse('2024-01-03T00:00:00Z');

  it('pads columns like Docker (tabwriter minwidth 10, padding 3)', () => {
    expect(formatImagesTable(rows, { noTrunc: false, now })).toBe(
      'REPOSITORY   TAG       IMAGE ID       CREATED      SIZE\n' + 'busybox      latest    0123456789ab   2 days ago   2.15MB\n',
    );
  });

  it('shows the full id with --no-trunc', () => {
    expect(formatImagesTable(rows, { noTrunc: true, now })).toContain(`   ${id}   `);
  });

  it('-q prints ids only', () => {
    expect(formatImageIds(rows, { noTrunc: false })).toBe('0123456789ab\n');
    expect(formatImageIds(rows, { noTrunc: true })).toBe(`${id}\n`);
  });

  it('leaves the last column unpadded, and keeps the minimum width only when asked', () => {
    expect(formatTable(['a', 'b'], [['ccc', 'd']], { minWidth: 10 })).toBe('a         b\nccc       d\n');
    expect(formatTable(['a', 'b'], [['ccc', 'd']])).toBe('a     b\nccc   d\n');
  });
});
