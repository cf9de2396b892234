import { describe, expect, it } from 'vitest';
import { imageRowMatcher, type ImageRow } from '../../../src/engine/images.js';

/**
 * `images [REPOSITORY[:TAG]]`: Docker's reference filter (FamiliarMatch), Go's path.Match
 * against `name:tag`, then against the name alone; untagged rows never match.
 */
const row = (repository: string, tag: string): ImageRow => ({ repository, tag, imageId: `sha256:${'a'.repeat(64)}`, size: 0 });
const ROWS = [row('busybox', 'latest'), row('busybox', '1'), row('me/bb', '1'), row('localhost:5000/bb', 'latest'), row('bb', 'x'), row('<none>', '<none>')];
const names = async (pattern: string) => ROWS.filter(await imageRowMatcher(pattern)).map((r) => `${r.repository}:${r.tag}`);

describe('images REPOSITORY[:TAG]', () => {
  it('a name matches all its tags; name:tag only that one', async () => {
    expect(await names('busybox')).toEqual(['busybox:latest', 'busybox:1']);
    expect(await names('busybox:1')).toEqual(['busybox:1']);
    expect(await names('bb')).toEqual(['bb:x']);
    expect(await names('localhost:5000/bb')).toEqual(['localhost:5000/bb:latest']);
    expect(await names('nothere')).toEqual([]);
  });

  it('wildcards as path.Match: * stays within a path component', async () => {
    expect(await names('b*')).toEqual(['busybox:latest', 'busybox:1', 'bb:x']);
    expect(await names('*/bb')).toEqual(['me/bb:1', 'localhost:5000/bb:latest']);
    expect(await names('me/*')).toEqual(['me/bb:1']);
    expect(await names('*:1')).toEqual(['busybox:1']);
    expect(await names('busybox:[0-9]')).toEqual(['busybox:1']);
  });

  it('untagged images are left out, even for *', async () => {
    expect(await names('*')).not.toContain('<none>:<none>');
  });
});
