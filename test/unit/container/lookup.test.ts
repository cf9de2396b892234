import { describe, expect, it } from 'vitest';
import { matchContainer } from '../../../src/container/lookup.js';
import type { ContainerState } from '../../../src/container/state.js';

const c = (id: string, name: string): ContainerState => ({
  id, name, image: 'i', imageId: 'sha256:x', status: 'exited', pid: 0, shimPid: 0, shimStartTime: '', exitCode: 0, oomKilled: false,
  created: '', startedAt: '', finishedAt: '', autoRemove: false,
});
const all = [c('abc123' + '0'.repeat(58), 'web'), c('abd456' + '0'.repeat(58), 'db'), c('fff' + '0'.repeat(61), 'abc')];

describe('container lookup like Docker', () => {
  it('finds by full id, by name (with or without /), by unique prefix', () => {
    expect(matchContainer(all, all[0]!.id).name).toBe('web');
    expect(matchContainer(all, '/db').name).toBe('db');
    expect(matchContainer(all, 'abc1').name).toBe('web');
  });
  it('an exact name wins over an id prefix', () => {
    expect(matchContainer(all, 'abc').name).toBe('abc');
  });
  it('an ambiguous prefix and an unknown ref are errors with exit 1', () => {
    expect(() => matchContainer(all, 'ab')).toThrow('multiple IDs found with provided prefix: ab');
    expect(() => matchContainer(all, 'nope')).toThrow('No such container: nope');
    try { matchContainer(all, 'nope'); } catch (e) { expect((e as { exitCode: number }).exitCode).toBe(1); }
  });
});
