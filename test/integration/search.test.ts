import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeStateRoot, minibox, type Result } from '../helpers/minibox.js';
import { listenLoopback, type LoopbackServer } from '../helpers/registry-lab/lifecycle.js';

/**
 * `minibox search` against a stand-in for Docker Hub's v1 search API on 127.0.0.1, named in
 * the term as Docker allows (`docker search 127.0.0.1:PORT/busybox`): the table, the 45
 * column cut, --no-trunc, --limit (sent as n=), the filters, --format, and Docker's errors.
 * Nothing leaves the machine.
 */
interface Hit {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

const LONG = 'Busybox base image, with a description long enough to be cut\nacross two lines';
const HITS: Hit[] = [
  { name: 'busybox', description: LONG, star_count: 3200, is_official: true, is_automated: false },
  { name: 'someone/busybox-tools', description: 'tools', star_count: 12, is_official: false, is_automated: true },
  { name: 'other/busybox', description: '', star_count: 0, is_official: false, is_automated: false },
];

let hub: LoopbackServer;
const seen: URL[] = [];
let root: string;
let cleanup: () => void;

const mb = (args: string[]): Promise<Result> => minibox(args, { root });

beforeAll(async () => {
  hub = await listenLoopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    seen.push(url);
    if (url.pathname !== '/v1/search') return void res.writeHead(404).end();
    const q = url.searchParams.get('q') ?? '';
    if (q === 'broken') return void res.writeHead(500).end('oops');
    const n = Number(url.searchParams.get('n'));
    const results = HITS.filter((h) => h.name.includes(q)).slice(0, n);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ num_results: results.length, query: q, results }));
  });
});

afterAll(async () => {
  await hub?.close();
});

beforeEach(() => {
  ({ root, cleanup } = makeStateRoot());
  return cleanup;
});

describe('minibox search', () => {
  it("prints Docker's table with descriptions on one line cut to 45 columns, and asks for 25 results", async () => {
    const r = await mb(['search', `${hub.host}/busybox`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cut = `${LONG.replace('\n', ' ').slice(0, 44)}…`;
    expect(r.stdout).toBe(
      [
        `NAME                    DESCRIPTION${' '.repeat(cut.length - 'DESCRIPTION'.length + 3)}STARS     OFFICIAL`,
        `busybox                 ${cut}   3200      [OK]`,
        `someone/busybox-tools   tools${' '.repeat(cut.length - 5 + 3)}12        `,
        `other/busybox           ${' '.repeat(cut.length + 3)}0         `,
        '',
      ].join('\n'),
    );
    const last = seen[seen.length - 1];
    expect(last?.searchParams.get('q')).toBe('busybox');
    expect(last?.searchParams.get('n')).toBe('25');
  });

  it('--no-trunc keeps the whole description; --limit is sent as n', async () => {
    const full = await mb(['search', '--no-trunc', `${hub.host}/busybox`]);
    expect(full.stdout).toContain(LONG.replace('\n', ' '));
    const one = await mb(['search', '--limit', '1', `${hub.host}/busybox`]);
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(seen[seen.length - 1]?.searchParams.get('n')).toBe('1');
  });

  it('filters by is-official and stars, and formats with a template', async () => {
    const official = await mb(['search', '--filter', 'is-official=true', '--format', '{{.Name}}', `${hub.host}/busybox`]);
    expect(official.stdout).toBe('busybox\n');
    const starred = await mb(['search', '-f', 'stars=10', '--format', '{{.Name}}: {{.StarCount}} {{.IsOfficial}}', `${hub.host}/busybox`]);
    expect(starred.stdout).toBe('busybox: 3200 [OK]\nsomeone/busybox-tools: 12 \n');
    const table = await mb(['search', '--format', 'table {{.Name}}\t{{.StarCount}}', '--filter', 'is-official=false', `${hub.host}/busybox`]);
    expect(table.stdout).toBe('NAME                    STARS\nsomeone/busybox-tools   12\nother/busybox           0\n');
    const automated = await mb(['search', '--filter', 'is-automated=true', `${hub.host}/busybox`]);
    expect(automated.stderr).toContain('WARNING: the "is-automated" filter is deprecated');
    expect(automated.stdout).toBe('NAME      DESCRIPTION   STARS     OFFICIAL\n');
  });

  it("refuses what Docker refuses, with its words, exit 1; a failing index is one line", async () => {
    const cases: Array<[string[], string]> = [
      [['--filter', 'color=red'], "invalid filter 'color'"],
      [['--filter', 'is-official=maybe'], "invalid filter 'is-official=[maybe]'"],
      [['--filter', 'stars=lots'], "invalid filter 'stars=lots'"],
      [['--filter', 'nonsense'], 'bad format of filter (expected name=value)'],
      [['--limit', '101'], 'limit 101 is outside the range of [1, 100]'],
    ];
    for (const [flags, message] of cases) {
      const r = await mb(['search', ...flags, `${hub.host}/busybox`]);
      expect(r.stderr).toBe(`minibox: ${message}\n`);
      expect(r.code).toBe(1);
    }
    // a flag value that is no number fails in the flag parser: Docker's 125
    const notNumber = await mb(['search', '--limit', 'lots', `${hub.host}/busybox`]);
    expect([notNumber.code, notNumber.stderr]).toEqual([125, 'minibox: invalid argument "lots" for "--limit" flag: strconv.ParseInt: parsing "lots": invalid syntax\n']);
    const scheme = await mb(['search', 'http://x/busybox']);
    expect(scheme.stderr).toBe('minibox: invalid repository name: repository name (http://x/busybox) should not have a scheme\n');
    const broken = await mb(['search', `${hub.host}/broken`]);
    expect(broken.stderr).toBe('minibox: Unexpected status code 500\n');
    expect(broken.code).toBe(1);
    const down = await mb(['search', '127.0.0.1:1/busybox']);
    expect(down.code).toBe(1);
    expect(down.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain('http://127.0.0.1:1/v1/search?q=busybox&n=25');
  });
});
