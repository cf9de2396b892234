import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../src/cli/format/table.js';
import { ago, humanDuration } from '../../../src/cli/format/duration.js';

describe('Docker-style output', () => {
  it('pads columns with three spaces and leaves the last unpadded', () => {
    expect(formatTable(['A', 'LONGER', 'Z'], [['xx', 'y', 'last']])).toBe('A    LONGER   Z\nxx   y        last\n');
  });
  it('prints durations as go-units does', () => {
    expect(humanDuration(400)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(45_000)).toBe('45 seconds');
    expect(humanDuration(70_000)).toBe('About a minute');
    expect(humanDuration(10 * 60_000)).toBe('10 minutes');
    expect(humanDuration(3 * 3600_000)).toBe('3 hours');
    expect(humanDuration(3 * 86400_000)).toBe('3 days');
    expect(humanDuration(20 * 86400_000)).toBe('2 weeks');
    expect(ago(undefined)).toBe('N/A');
    expect(ago(new Date(1000).toISOString(), 6000)).toBe('5 seconds ago');
  });
});
