import { describe, expect, it } from 'vitest';
import { filterImageRows, parseImageFilters, type ImageFilterContext } from '../../../src/engine/image-filters.js';
import { formatImagesTable, goTimeString, imageFormatView, IMAGE_HEADERS } from '../../../src/cli/format/images.js';
import { renderTemplate, splitTable } from '../../../src/cli/format/template.js';
import type { ImageRow } from '../../../src/engine/images.js';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const rows: ImageRow[] = [
  { repository: 'app', tag: 'v2', imageId: id('c'), created: '2024-03-01T00:00:00Z', size: 3_000_000 },
  { repository: '<none>', tag: '<none>', imageId: id('b'), created: '2024-02-01T00:00:00Z', size: 2_000_000 },
  { repository: 'busybox', tag: 'latest', imageId: id('a'), created: '2024-01-01T00:00:00Z', size: 1_000_000 },
];
const ctx: ImageFilterContext = {
  matchesReference: (p, r) => r.repository !== '<none>' && (r.repository === p || `${r.repository}:${r.tag}` === p),
  createdOf: (name) => Date.parse(rows.find((r) => r.repository === name)?.created ?? ''),
  labelsOf: (r) => (r.repository === 'app' ? { team: 'web', tier: '1' } : {}),
};
const names = (filters: string[]) => filterImageRows(rows, parseImageFilters(filters), ctx).map((r) => `${r.repository}:${r.tag}`);

describe('images --filter', () => {
  it('keeps dangling or tagged images, by reference, before and since', () => {
    expect(names(['dangling=true'])).toEqual(['<none>:<none>']);
    expect(names(['dangling=false'])).toEqual(['app:v2', 'busybox:latest']);
    expect(names(['reference=busybox', 'reference=app:v2'])).toEqual(['app:v2', 'busybox:latest']);
    expect(names(['before=app'])).toEqual(['<none>:<none>', 'busybox:latest']);
    expect(names(['since=busybox'])).toEqual(['app:v2', '<none>:<none>']);
    expect(names(['since=busybox', 'dangling=false'])).toEqual(['app:v2']);
  });
  it('matches labels by key or key=value, all of them', () => {
    expect(names(['label=team'])).toEqual(['app:v2']);
    expect(names(['label=team=web', 'label=tier=1'])).toEqual(['app:v2']);
    expect(names(['label=team=db'])).toEqual([]);
  });
  it('refuses unknown filters and bad values, exit 1', () => {
    expect(() => parseImageFilters(['size=1'])).toThrow("invalid filter 'size'");
    expect(() => parseImageFilters(['dangling=yes'])).toThrow("invalid filter 'dangling=yes'");
    expect(() => parseImageFilters(['dangling'])).toThrow('bad format of filter');
  });
});

describe('images --format and --digests', () => {
  const now = Date.parse('2024-03-03T00:00:00Z');
  const row = { ...rows[0]!, digest: `sha256:${'d'.repeat(64)}` };
  it("gives a template Docker's fields", () => {
    const view = imageFormatView(row, { noTrunc: false, now });
    expect(renderTemplate('{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.CreatedSince}} {{.CreatedAt}} {{.Digest}}', view)).toBe(
      `app:v2 cccccccccccc 3MB 2 days ago 2024-03-01 00:00:00 +0000 UTC sha256:${'d'.repeat(64)}`,
    );
    expect(splitTable('table {{.Repository}}\\t{{.ID}}\\t{{.CreatedSince}}', IMAGE_HEADERS).header).toBe('REPOSITORY\tIMAGE ID\tCREATED');
    expect(JSON.parse(renderTemplate('{{json .}}', view))).toMatchObject({ Repository: 'app', Tag: 'v2', ID: 'cccccccccccc' });
    expect(goTimeString(undefined)).toBe('0001-01-01 00:00:00 +0000 UTC');
  });
  it('adds a DIGEST column after TAG', () => {
    const out = formatImagesTable([row], { noTrunc: false, now, digests: true });
    expect(out.split('\n')[0]).toMatch(/^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
    expect(out).toContain(`sha256:${'d'.repeat(64)}   cccccccccccc`);
  });
});
