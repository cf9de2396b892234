import { describe, expect, it } from 'vitest';
import { inspectAny } from '../../../src/cli/commands/containers.js';
import { MiniboxError } from '../../../src/util/errors.js';

const miss = (what: string) => async (ref: string): Promise<unknown> => {
  throw new MiniboxError(`No such ${what}: ${ref}`, 1);
};
const found = (what: string) => async (ref: string): Promise<unknown> => ({ what, ref });

describe('plain inspect falls back from containers to images, networks, volumes', () => {
  const inspectors = { container: miss('container'), image: found('image'), network: found('network'), volume: miss('volume') };
  it('finds the first type that has the name, in Docker order', async () => {
    expect(await inspectAny('busybox', ['container', 'image', 'network', 'volume'], inspectors)).toEqual({ what: 'image', ref: 'busybox' });
    expect(await inspectAny('x', ['container', 'network'], inspectors)).toEqual({ what: 'network', ref: 'x' });
  });
  it('reports the first type’s miss when none has it, and --type looks at one type only', async () => {
    await expect(inspectAny('nope', ['container', 'volume'], inspectors)).rejects.toThrow('No such container: nope');
    await expect(inspectAny('busybox', ['container'], inspectors)).rejects.toThrow('No such container: busybox');
  });
});
