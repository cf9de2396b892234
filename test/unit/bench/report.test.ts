import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM modules of the benchmark, without type declarations
import { casesOf, ratioCase, stat, valueCase } from '../../../bench/report/cases.mjs';
// @ts-expect-error idem
import { escapeXml, lineChart, ratioChart } from '../../../bench/report/svg.mjs';
// @ts-expect-error idem
import { verdictLines, writeReport } from '../../../bench/report/write.mjs';

/** Just enough of an XML reader to prove a chart is well-formed: every tag closed in order. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^<>]*?)(\/?)>/g)) {
    const [, close, tag, attrs, self] = m;
    expect(attrs).not.toMatch(/[<&](?!amp;|lt;|gt;|quot;|apos;)/);
    if (close) expect(stack.pop()).toBe(tag);
    else if (!self) stack.push(tag);
  }
  expect(stack).toEqual([]);
  const text = svg.replace(/<[^>]*>/g, '');
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  expect(text).not.toMatch(/[<>]/);
}

const tmps: string[] = [];
afterEach(() => {
  for (const d of tmps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('benchmark report', () => {
  it('judges a case against its goal (issue #18 table) and leaves goal-less ones as information', () => {
    const fast = ratioCase('run-none-vs-runc', 'run', 'run', stat('minibox', 50), stat('runc', 30));
    expect(fast.ratio).toBeCloseTo(50 / 30);
    expect(fast.pass).toBe(true); // ≤ 2.0× runc
    const slow = ratioCase('run-none-vs-runc', 'run', 'run', stat('minibox', 90), stat('runc', 30));
    expect(slow.pass).toBe(false);
    expect(ratioCase('no-such-goal', 'x', 'x', stat('a', 1), stat('b', 2)).pass).toBeNull();
    expect(valueCase('extract-rss', 'layers', 'rss', 120, 'MiB').pass).toBe(false);
    const lines = verdictLines([fast, slow]);
    expect(lines[0]).toMatch(/^ {2}PASS/);
    expect(lines[1]).toMatch(/^ {2}FAIL .*3\.00× runc +goal ≤ 2\.0× runc$/);
  });

  it("reads the older modules' reports into cases (extract, pull)", () => {
    const extract = casesOf({
      name: 'extract',
      rows: [
        { tool: 'minibox', medianMs: 400, minMs: 390, maxMs: 420, peakRssMiB: 74 },
        { tool: 'tar -xzf', medianMs: 600, minMs: 590, maxMs: 640 },
        { tool: 'tar -xf', medianMs: 150, minMs: 140, maxMs: 160 },
      ],
    });
    expect(extract.map((c: { id: string }) => c.id)).toEqual(['extract-vs-tar-xzf', 'extract-vs-tar-xf', 'extract-rss']);
    expect(extract[0].pass).toBe(false); // 0.67 > 0.4: not yet 2.5× faster
    expect(extract[2].pass).toBe(true);
    const pull = casesOf({ name: 'pull', rows: [{ tool: 'minibox pull', medianMs: 500 }, { tool: 'skopeo copy + umoci unpack', medianMs: 1600 }] });
    expect(pull[0].pass).toBe(true);
    expect(casesOf({ name: 'extract', error: 'boom' })).toEqual([]);
    expect(casesOf({ name: 'extract', rows: 'not rows' })).toEqual([]);
  });

  it('draws well-formed SVG charts with the labels escaped', () => {
    expect(escapeXml(`a<b & "c"`)).toBe('a&lt;b &amp; &quot;c&quot;');
    const bars = ratioChart({ title: 'x < y & z', rows: [{ label: 'run <fast>', ratio: 0.5, goal: 0.4 }, { label: 'slow', ratio: 3 }, { label: 'none', ratio: NaN }] });
    assertWellFormed(bars);
    expect(bars).toContain('run &lt;fast&gt;');
    const lines = lineChart({ title: 't', xLabel: 'N', yLabel: 'ms', xs: [1, 10, 100], series: [{ name: 'minibox', ys: [5, 5.2, 5.1] }, { name: 'podman', ys: [9, NaN, 10] }] });
    assertWellFormed(lines);
    expect(lines.match(/<circle/g)).toHaveLength(5);
    expect(() => assertWellFormed('<svg><g></svg>')).toThrow(); // the check itself can fail
  });

  it('writes REPORT.md and its charts from a run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-report-'));
    tmps.push(dir);
    const results = {
      date: '2026-12-02T08:00:00.000Z',
      host: { cpus: 2, node: 'v20', kernel: '6.1' },
      options: { runs: 11 },
      reports: [
        { name: 'run-none', summary: 'minibox/runc = 1.5', cases: [ratioCase('run-none-vs-runc', 'run', 'run --rm --network none busybox true', stat('minibox', 45, 40, 50), stat('runc', 30, 28, 33))] },
        { name: 'scale', charts: [{ id: 'start', title: 'start', xLabel: 'N', yLabel: 'ms', xs: [1, 10], series: [{ name: 'minibox', ys: [50, 51] }] }], cases: [] },
        { name: 'compose', error: 'podman-compose missing' },
      ],
    };
    const cases = writeReport(results, dir);
    expect(cases).toHaveLength(1);
    const md = fs.readFileSync(path.join(dir, 'REPORT.md'), 'utf8');
    expect(md).toContain('| run --rm --network none busybox true | 45 ms (40 ms–50 ms) | runc 30 ms (28 ms–33 ms) | 1.50× | ≤ 2.0× runc | pass |');
    expect(md).toContain('![ratios](charts/ratios.svg)');
    expect(md).toContain('- compose: podman-compose missing');
    for (const f of ['ratios.svg', 'scale-start.svg']) assertWellFormed(fs.readFileSync(path.join(dir, 'charts', f), 'utf8'));
  });
});
