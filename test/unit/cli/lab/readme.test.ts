import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../../../../src/cli/lab/readme.js';
import { findLab, labNames } from '../../../../src/cli/lab/catalog.js';
import { parseStepsFile } from '../../../../src/cli/lab/steps-file.js';

const EXAMPLES = path.resolve(__dirname, '../../../../examples');

describe("a lab's README, rendered from its steps file", () => {
  it.each(labNames(EXAMPLES))('%s: README.md is what the steps file renders', (name) => {
    const found = findLab(name, EXAMPLES);
    expect(renderReadme(found.lab, found.name)).toBe(readFileSync(path.join(EXAMPLES, name, 'README.md'), 'utf8'));
  });

  it('shows the commands as typed with minibox on the lab\'s ports, and the other engines\' notes', () => {
    const lab = parseStepsFile(
      ['lab: T', 'about: A', 'port: 4407', 'needs: curl fetches', 'step: S', 'why: on $PORT', 'run: $ENGINE run $RUN_FLAGS -p $PORT2:1 x', 'skip[podman]: no', 'bug[docker]: #1'].join('\n'),
      'f',
    );
    expect(renderReadme(lab, '99-t')).toBe(
      [
        '# T\n\nA\n\n',
        'Run it as root from the checkout: `examples/run-lab.sh 99-t` (add `--compare podman` or\n`--compare docker` to run every step with that engine too, side by side).\n\n',
        'Needs `curl`: fetches\n\n',
        '## 1. S\n\non 4407\n\n```sh\nminibox run -p 4408:1 x\n```\n\n',
        'Not run with podman: no\n\n**Known docker bug**: #1\n\n',
        '---\nRendered from `steps` by `examples/run-lab.sh 99-t --readme`; edit `steps`, not this file.\n',
      ].join(''),
    );
  });
});

describe('finding a lab', () => {
  it('by folder, number or topic', () => {
    const first = labNames(EXAMPLES)[0]!;
    const [num = '', topic = ''] = [first.split('-')[0], first.slice(first.indexOf('-') + 1)];
    for (const want of [first, num, String(Number(num)), topic]) expect(findLab(want, EXAMPLES).name).toBe(first);
  });

  it('an unknown one: exit 2, pointing at --list', () => {
    expect(() => findLab('nope', EXAMPLES)).toThrow(/^no lab 'nope' in .*examples \(minibox lab --list shows them\)$/);
  });
});
