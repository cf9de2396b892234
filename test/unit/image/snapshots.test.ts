import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainIds } from '../../../src/image/snapshots.js';

const sha = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

describe('chainIds (OCI image-spec config.md)', () => {
  const d0 = sha('layer0');
  const d1 = sha('layer1');
  const d2 = sha('layer2');

  it('is the diffID for the bottom layer', () => {
    expect(chainIds([d0])).toEqual([d0]);
  });

  it('hashes "<parent chainID> <diffID>" for the layers above', () => {
    const c1 = sha(`${d0} ${d1}`);
    const c2 = sha(`${c1} ${d2}`);
    expect(chainIds([d0, d1, d2])).toEqual([d0, c1, c2]);
  });

  it('is empty for no layers', () => {
    expect(chainIds([])).toEqual([]);
  });

  it('matches a known value (alpine-like two layers)', () => {
    // echo -n "sha256:aaa…a sha256:bbb…b" | sha256sum
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    const want = `sha256:${createHash('sha256').update(`${a} ${b}`).digest('hex')}`;
    expect(chainIds([a, b])[1]).toBe(want);
  });
});
