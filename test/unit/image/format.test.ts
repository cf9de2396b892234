import { describe, expect, it } from 'vitest';
import { createdSince, formatG, formatImageIds, formatImagesTable, humanDuration, humanSize, tabulate } from '../../../src/image/format.js';

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

describe('humanDuration (go-units)', () => {
  const s = 1000;
  const h = 3600 * s;
  it.each([
    [0, 'Less than a second'],
    [1 * s, '1 second'],
    [59 * s, '59 seconds'],
    [60 * s, 'About a minute'],
    [5 * 60 * s, '5 minutes'],
    [59 * 60 * s, '59 minutes'],
    [60 * 60 * s, 'About an hour'],
    [3 * h, '3 hours'],
    [47 * h, '47 hours'],
    [48 * h, '2 days'],
    [13 * 24 * h, '13 days'],
    [14 * 24 * h, '2 weeks'],
    [60 * 24 * h, '2 months'],
    [800 * 24 * h, '2 years'],
  ])('%d ms → %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it('says "N/A" without a creation time', () => {
    expect(createdSince(undefined, Date.now())).toBe('N/A');
    expect(createdSince('garbage', Date.now())).toBe('N/A');
    expect(createdSince('2024-01-01T00:00:00Z', Date.parse('2024-01-03T00:00:00Z'))).toBe('2 days ago');
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

  it('leaves the last column unpadded', () => {
    expect(tabulate([['a', 'b'], ['ccc', 'd']])).toBe('a         b\nccc       d\n');
  });
});
