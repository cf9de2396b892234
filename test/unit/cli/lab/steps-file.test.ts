import { describe, expect, it } from 'vitest';
import { MiniboxError } from '../../../../src/util/errors.js';
import { fieldOf, ownField, parseStepsFile, scriptOf, usesEngine } from '../../../../src/cli/lab/steps-file.js';

const FILE = [
  '# a comment',
  'lab: Lab 99: a test',
  'about: first line',
  'about: of one paragraph',
  'about:',
  'about: the next',
  'needs: LAB_REGISTRY the registry',
  'port: 4407',
  'cleanup: $ENGINE rm -f x',
  '',
  'step: one',
  'why: says',
  'why: more',
  'run: $ENGINE run busybox \\',
  'run:   echo hi',
  'expect: ^hi$',
  'expect[podman]: ^podman$',
  'status[docker]: 1',
  'skip[podman]: no --link',
  'note[podman]: differs',
  'step: on the host',
  'run: echo $HOME',
].join('\n');

describe('the steps file', () => {
  const lab = parseStepsFile(FILE, 'steps');

  it('reads the lab keys: title, about paragraphs, needs, port, cleanup', () => {
    expect(lab.title).toBe('Lab 99: a test');
    expect(lab.about).toEqual(['first line of one paragraph', 'the next']);
    expect(lab.needs).toEqual(['LAB_REGISTRY the registry']);
    expect(lab.port).toBe(4407);
    expect(lab.cleanup).toEqual(['$ENGINE rm -f x']);
  });

  it('joins run and expect lines with newlines, the others with a space; an engine\'s own value wins', () => {
    const [one, two] = lab.steps;
    expect(scriptOf(one!)).toBe('$ENGINE run busybox \\\n  echo hi');
    expect(fieldOf(one!, 'why', 'minibox')).toBe('says more');
    expect(one!.fields.expect).toEqual({ '': '^hi$', podman: '^podman$' });
    expect(fieldOf(one!, 'status', 'docker')).toBe('1');
    expect(fieldOf(one!, 'status', 'minibox')).toBe('');
    expect(ownField(one!, 'skip', 'podman')).toBe('no --link');
    expect(ownField(one!, 'skip', 'minibox')).toBe('');
    expect(usesEngine(one!)).toBe(true);
    expect(usesEngine(two!)).toBe(false);
  });

  it('tells $PORT2 and $WORK from look-alikes', () => {
    const step = (run: string) => parseStepsFile(`lab: x\nstep: s\nrun: ${run}`, 'f').steps[0]!;
    expect(usesEngine(step('curl :$PORT2/'))).toBe(true);
    expect(usesEngine(step('ls $WORK'))).toBe(true);
    expect(usesEngine(step('echo $PORTAL $WORKER $MEMORY'))).toBe(false);
  });

  it.each([
    ['lab: x\nnot a line', "f:2: not a 'key: value' line: not a line"],
    ['lab: x\nwhy: early', "f:2: 'why:' comes before the first 'step:'"],
    ['lab: x\nstep: s\nrun[rkt]: y', "f:3: unknown engine 'rkt' (one of: minibox podman docker)"],
    ['lab: x\nstep: s\nfoo: y', "f:3: unknown key 'foo:'"],
    ['lab: x\nport: eighty', 'f:2: port: takes a number'],
    ['step: s\nrun: y', "f: no 'lab:' line"],
    ['lab: x\nstep: s\nwhy: no run', "f: step 1 (s) has no 'run:' line"],
  ])('refuses %j with exit 2: %s', (text, message) => {
    let err: unknown;
    try {
      parseStepsFile(text, 'f');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MiniboxError);
    expect((err as MiniboxError).message).toBe(message);
    expect((err as MiniboxError).exitCode).toBe(2);
  });
});
