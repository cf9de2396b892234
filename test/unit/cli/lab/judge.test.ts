import { describe, expect, it } from 'vitest';
import { parseStepsFile } from '../../../../src/cli/lab/steps-file.js';
import { judge, missesOf } from '../../../../src/cli/lab/judge.js';

const step = (extra: string[]) => parseStepsFile(['lab: x', 'step: s', 'run: $ENGINE x', ...extra].join('\n'), 'f').steps[0]!;

describe('judging a step', () => {
  it('needs the status and a line for every pattern, the engine\'s own added', () => {
    const s = step(['expect: ^a$', 'expect[podman]: ^p$', 'status[podman]: 2']);
    expect(missesOf(s, 'minibox', 0, 'x\na')).toEqual([]);
    expect(missesOf(s, 'minibox', 1, 'b')).toEqual(['exit status 1, expected 0', 'no line matches /^a$/']);
    expect(missesOf(s, 'podman', 2, 'a\np')).toEqual([]);
    expect(missesOf(s, 'podman', 0, 'a')).toEqual(['exit status 0, expected 2', 'no line matches /^p$/']);
  });

  it('matches line by line, as grep -E does', () => {
    expect(missesOf(step(['expect: a.b']), 'minibox', 0, 'a\nb')).toEqual(['no line matches /a.b/']);
  });

  it('reports a known bug as such, and a fixed one as a failure', () => {
    const s = step(['expect: ^ok$', 'bug[minibox]: issue 99']);
    expect(judge(s, 'minibox', 0, 'nope')).toEqual({ verdict: 'known-bug', line: 'minibox: KNOWN BUG, failed as expected: issue 99 (no line matches /^ok$/)' });
    expect(judge(s, 'minibox', 0, 'ok').verdict).toBe('bug-fixed');
    expect(judge(s, 'podman', 0, 'ok')).toEqual({ verdict: 'ok', line: 'podman: ok' });
    expect(judge(s, 'podman', 3, 'ok')).toEqual({ verdict: 'fail', line: 'podman: FAILED: exit status 3, expected 0' });
  });
});
