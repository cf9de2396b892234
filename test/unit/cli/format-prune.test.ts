import { describe, expect, it } from 'vitest';
import { formatPruneReport } from '../../../src/cli/format/prune.js';

describe('formatPruneReport', () => {
  it("is Docker's: a block per kind that lost something, an empty line after each, the total in 4 digits", () => {
    expect(formatPruneReport([['Deleted Volumes', ['a', 'b']]], 1234567)).toBe('Deleted Volumes:\na\nb\n\nTotal reclaimed space: 1.235MB\n');
    expect(
      formatPruneReport(
        [
          ['Deleted Containers', ['c1']],
          ['Deleted Networks', []],
          ['Deleted Images', ['deleted: sha256:x']],
        ],
        0,
      ),
    ).toBe('Deleted Containers:\nc1\n\nDeleted Images:\ndeleted: sha256:x\n\nTotal reclaimed space: 0B\n');
  });

  it('prints only the total when nothing went', () => {
    expect(formatPruneReport([['Deleted Images', []]], 0)).toBe('Total reclaimed space: 0B\n');
  });
});
