// What the side-by-side benchmarks share: running one tool as a child and measuring it
// (wall time from here, peak RSS through GNU time when it is installed), and the median
// row a tool's samples become in a report.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Run `cmd args` to completion (a failure throws); `scratch` holds GNU time's output. */
export function timed(cmd, args, scratch) {
  const rssFile = path.join(scratch, 'rss');
  const [c, a] = TIME ? [TIME, ['-o', rssFile, '-f', '%M', cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const rss = TIME ? Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN;
  return { ms, rssKiB: rss, stdout: r.stdout.toString() };
}

/** A tool's samples ({ms, inner, rssKiB}: wall, in-process and peak RSS per run) as its report row. */
export function sampleRow(tool, s) {
  return {
    tool,
    medianMs: median(s.ms),
    minMs: Math.min(...s.ms),
    maxMs: Math.max(...s.ms),
    runsMs: s.ms.map((x) => Math.round(x)),
    inProcessMedianMs: s.inner.length ? median(s.inner) : undefined,
    peakRssMiB: Math.max(...s.rssKiB) / 1024,
  };
}
