import { describe, expect, it } from 'vitest';
import { joinContinuations, parseDockerfile, parseJsonForm, parseKeyValues, splitFlags, splitWords } from '../../../src/build/dockerfile.js';
import { planBuild } from '../../../src/build/plan.js';

/** The Dockerfile as Docker's parser sees it: lines, continuations, the escape directive, forms. */
describe('parseDockerfile', () => {
  it('joins continuation lines, skipping comment and empty lines inside them', () => {
    const df = parseDockerfile('FROM busybox\nRUN echo a \\\n  # a comment\n\n  && echo b\n# outside\nrun echo c\n');
    expect(df.instructions.map((i) => [i.line, i.keyword, i.args])).toEqual([
      [1, 'FROM', 'busybox'],
      [2, 'RUN', 'echo a   && echo b'],
      [7, 'RUN', 'echo c'],
    ]);
    expect(df.instructions[2]?.original).toBe('run echo c');
  });

  it('keeps the --flags in the arguments', () => {
    const df = parseDockerfile('FROM busybox\nCOPY --from=build --chown=1:2 \\\n    /out/app /app\n');
    expect(df.instructions[1]?.args).toBe('--from=build --chown=1:2     /out/app /app');
    expect(splitFlags(df.instructions[1]?.args ?? '')).toEqual({ flags: new Map([['from', 'build'], ['chown', '1:2']]), rest: '/out/app /app' });
  });

  it('honours the escape directive', () => {
    const df = parseDockerfile('# escape=`\nFROM busybox\nRUN echo a `\n  b\nCOPY c:\\dir\\x /x\n');
    expect(df.escape).toBe('`');
    expect(df.instructions.map((i) => i.args)).toEqual(['busybox', 'echo a   b', 'c:\\dir\\x /x']);
  });

  it('refuses an unknown instruction with its line number (Docker\'s wording)', () => {
    expect(() => parseDockerfile('FROM busybox\n\nBOGUS x\n')).toThrow('dockerfile parse error line 3: unknown instruction: BOGUS');
  });

  it('takes the JSON (exec) form only when it is a JSON array of strings', () => {
    expect(parseJsonForm('["echo", "x y"]')).toEqual(['echo', 'x y']);
    expect(parseJsonForm('[echo, x]')).toBeUndefined();
    expect(parseJsonForm('["a", 1]')).toBeUndefined();
    expect(parseJsonForm('echo [x]')).toBeUndefined();
  });

  it('splits words at unquoted blanks, keeping quotes for the expansion', () => {
    expect(splitWords('A=b C="d e" F=\'g h\' I=j\\ k', '\\')).toEqual(['A=b', 'C="d e"', "F='g h'", 'I=j\\ k']);
  });

  it('reads ENV in both forms and LABEL pairs', () => {
    expect(parseKeyValues('ENV', 'A=b C="d e"', '\\')).toEqual([['A', 'b'], ['C', '"d e"']]);
    expect(parseKeyValues('ENV', 'APACHE_RUN_USER www-data', '\\')).toEqual([['APACHE_RUN_USER', 'www-data']]);
    expect(parseKeyValues('ENV', 'LEG some value here', '\\')).toEqual([['LEG', 'some value here']]);
    expect(() => parseKeyValues('LABEL', 'nokey', '\\')).toThrow();
    expect(() => parseKeyValues('ENV', 'A=b C', '\\')).toThrow("can't find = in \"C\"");
  });

  it('joinContinuations stops at the first line without the escape', () => {
    expect(joinContinuations([' a \\', ' b', ' c'], '\\')).toBe('a  b');
  });
});

describe('planBuild', () => {
  const df = parseDockerfile('ARG V=1\nFROM busybox AS build\nRUN true\nFROM build AS two\nRUN true\nFROM scratch\nCOPY --from=two /x /x\n');

  it('counts every instruction as a step, global ARGs and FROMs included', () => {
    const plan = planBuild(df);
    expect(plan.totalSteps).toBe(7);
    expect(plan.metaArgs).toHaveLength(1);
    expect(plan.stages.map((s) => s.name)).toEqual(['build', 'two', undefined]);
  });

  it('cuts after --target', () => {
    const plan = planBuild(df, 'TWO');
    expect(plan.stages).toHaveLength(2);
    expect(plan.totalSteps).toBe(5);
    expect(() => planBuild(df, 'nope')).toThrow('failed to reach build target nope in Dockerfile');
  });

  it('refuses an instruction before the first FROM other than ARG', () => {
    expect(() => planBuild(parseDockerfile('RUN true\nFROM busybox\n'))).toThrow('line 1');
  });
});
