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

  it('matches known values (three layers a…a, b…b, c…c)', () => {
    // Hard-coded, derived outside this code with coreutils (no sha helper of the test's own):
    //   a=sha256:$(printf 'a%.0s' $(seq 64)); b=…'b'…; c=…'c'…
    //   c1=sha256:$(printf '%s %s' "$a" "$b" | sha256sum | cut -d' ' -f1)
    //   printf '%s %s' "$c1" "$c" | sha256sum
    // (and checked again with python3 hashlib)
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    const c = `sha256:${'c'.repeat(64)}`;
    expect(chainIds([a, b, c])).toEqual([
      a,
      'sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c',
      'sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588',
    ]);
  });
});
