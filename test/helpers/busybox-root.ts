import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { makeStateRoot, minibox } from './minibox.js';
import { leakcheck } from './leakcheck.js';
import { ensureBusyboxLayout } from './busybox.js';
import { removeAll } from './detached.js';

/**
 * The hooks most container test files share: a state root of the file's own with busybox loaded
 * (told to `use` once made), every container removed after each test, and at the end the root
 * removed and the host checked for leaks.
 */
export function useBusyboxRoot(use: (root: string) => void): void {
  let root = '';
  let cleanup = () => {};
  beforeAll(async () => {
    ({ root, cleanup } = makeStateRoot());
    use(root);
    expect((await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root })).code).toBe(0);
  });
  afterEach(async () => removeAll(root));
  afterAll(() => {
    cleanup();
    expect(leakcheck()).toEqual([]);
  });
}
