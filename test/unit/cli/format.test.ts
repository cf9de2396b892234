import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/cli/format/bytes.js';
import { ago, humanDuration } from '../../../src/cli/format/duration.js';
import { formatTable } from '../../../src/cli/format/table.js';

describe('Docker-style output', () => {
  it('pads columns with three spaces and leaves the last unpadded', () => {
    expect(formatTable(['A', 'LONGER', 'Z'], [['xx', 'y', 'last']])).toBe('A    LONGER   Z\nxx   y        last\n');
  });

  it('ago: "N/A" for an unknown time, else the duration and "ago"', () => {
    expect(ago(undefined)).toBe('N/A');
    expect(ago(new Date(1000).toISOString(), 6000)).toBe('5 seconds ago');
  });

  it('stats sizes: binary for memory, decimal for I/O, 4 digits', () => {
    expect(formatBytes(0, 'si')).toBe('0B');
    expect(formatBytes(1536 * 1024, 'iec')).toBe('1.5MiB');
    expect(formatBytes(64 * 1024 * 1024, 'iec')).toBe('64MiB');
    expect(formatBytes(1234, 'si')).toBe('1.234kB');
    expect(formatBytes(1023, 'iec')).toBe('1023B');
  });
});

// go-units HumanDuration, the thresholds exactly: seconds and minutes truncate, hours round.
describe('humanDuration (go-units HumanDuration, as ps and images both print it)', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  it.each([
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1 * s, '1 second'],
    [1999, '1 second'],
    [2 * s, '2 seconds'],
    [59 * s + 999, '59 seconds'],
    [60 * s, 'About a minute'],
    [90 * s, 'About a minute'], // `ps` printed "2 minutes" here before: Docker says this
    [119 * s + 999, 'About a minute'],
    [120 * s, '2 minutes'],
    [59 * m + 59 * s, '59 minutes'],
    [60 * m, 'About an hour'],
    [89 * m, 'About an hour'], // 1.48 h + 0.5 truncates to 1
    [90 * m, '2 hours'],
    [47 * h + 29 * m, '47 hours'],
    [47 * h + 30 * m, '2 days'], // rounds to 48 hours
    [13 * d + 23 * h, '13 days'],
    [14 * d, '2 weeks'],
    [59 * d, '8 weeks'],
    [60 * d, '2 months'],
    [729 * d, '24 months'],
    [730 * d, '2 years'],
    [800 * d, '2 years'],
  ])('%d ms → %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});
