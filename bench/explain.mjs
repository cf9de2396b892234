// Run latency with the --explain trace off (issue #17: "off by default, and then free"):
// `minibox run --rm --network none busybox true` as built, against the same minibox with
// every trace call site compiled out — the plain path, what minibox would be without the
// teaching mode — and, for information, with the trace on (--explain=json, its lines read
// and dropped). Rounds interleave the three; medians.
//
// The plain build is this checkout's dist/ copied, each `trace.on` (the one flag every call
// site reads first, src/util/trace-events.ts) replaced by `false`, and bundled by
// scripts/bundle.mjs as the real one is: V8 then drops the dead branches, so the call sites
// cost nothing at all. The shim is the same binary for both; with the trace off it gets no
// trace fd and no `trace=` record either way (test/integration/explain.test.ts checks that).
//
//   node bench/explain.mjs [--runs 11]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioCase } from './report/cases.mjs';
import { MINIBOX, formatStats, interleave, miniboxEngine, repo, timed } from './engines.mjs';

export const name = 'explain';
export const title = 'run --rm --network none busybox true: --explain off vs trace compiled out (and on)';

// off must cost what no trace costs; 5 % is what interleaved medians of this case tell apart
const GOAL = { max: 1.05, text: '≤ 1.05× the trace compiled out' };
const RUN = ['run', '--rm', '--network', 'none', 'busybox', 'true'];

/** dist/ with the trace compiled out, bundled as scripts/bundle.mjs bundles the real one; returns its bin/minibox. */
export function plainBuild(dir, dist = path.join(repo, 'dist')) {
  fs.cpSync(dist, path.join(dir, 'dist'), { recursive: true, filter: (src) => !src.startsWith(path.join(dist, 'bundle')) });
  let sites = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      // trace-events.js sets the flag itself (`trace.on = …`): it stays
      else if (e.name.endsWith('.js') && !p.endsWith(path.join('util', 'trace-events.js'))) {
        const text = fs.readFileSync(p, 'utf8');
        const plain = text.replace(/\btrace\.on\b/g, () => (sites++, 'false'));
        if (plain !== text) fs.writeFileSync(p, plain);
      }
    }
  };
  walk(path.join(dir, 'dist'));
  if (sites === 0) throw new Error('no `trace.on` in dist/: the trace call sites changed, and this benchmark with them');
  fs.mkdirSync(path.join(dir, 'bin'));
  for (const f of ['minibox', 'package.json']) fs.copyFileSync(path.join(repo, 'bin', f), path.join(dir, 'bin', f));
  // found from the bundle's own place, as in the checkout: the shim, and ffi-rs & co.
  fs.symlinkSync(path.join(repo, 'native-shim'), path.join(dir, 'native-shim'));
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'bundle.mjs')], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return { bin: path.join(dir, 'bin', 'minibox'), sites };
}

export async function run(options = {}) {
  const runs = Number(options.runs ?? 11);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-explain-'));
  try {
    const mb = miniboxEngine(tmp);
    const plain = plainBuild(path.join(tmp, 'plain'));
    // the plain build must really trace nothing, even when asked (else it measures nothing)
    const asked = spawnSync(process.execPath, [plain.bin, '--explain=json', ...RUN], { env: mb.env, encoding: 'utf8' });
    if (asked.status !== 0 || asked.stderr !== '') throw new Error(`the build without trace code still traced (exit ${asked.status}): ${asked.stderr.slice(0, 300)}`);
    const tools = [
      { tool: 'trace off', go: () => timed(process.execPath, [MINIBOX, ...RUN], mb.env) },
      { tool: 'no trace code', go: () => timed(process.execPath, [plain.bin, ...RUN], mb.env) },
      { tool: 'trace on (json)', go: () => timed(process.execPath, [MINIBOX, '--explain=json', ...RUN], mb.env) },
    ];
    const [off, compiledOut, on] = interleave(tools, runs);
    const judged = ratioCase('explain-off-vs-compiled-out', 'run', 'run --rm --network none busybox true, --explain off vs trace compiled out', off, compiledOut);
    const cases = [
      { ...judged, goal: GOAL, pass: Number.isFinite(judged.ratio) ? judged.ratio <= GOAL.max : null, note: `${plain.sites} call sites compiled out` },
      ratioCase('explain-on-vs-off', 'run', 'run --rm --network none busybox true, --explain=json vs off', on, off),
    ];
    const summary = `off/compiled out = ${cases[0].ratio.toFixed(3)} (goal ${GOAL.text}); on/off = ${cases[1].ratio.toFixed(2)}; ${plain.sites} call sites`;
    return { name, title, config: { runs }, rows: [off, compiledOut, on], cases, summary };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export const format = formatStats;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' } } });
  console.log(format(await run(values)));
}
