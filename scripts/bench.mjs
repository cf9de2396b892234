#!/usr/bin/env node
// `npm run bench`: runs every benchmark module bench/*.mjs in name order and prints a
// report; the same as JSON in bench/results/latest.json (git-ignored).
//
//   npm run bench -- [--only extract,pull] [--runs 5] [--quick] [--big] [--dir DIR]
//                    [--workers ,0,2] [--drop-caches] [--keep-trees] [--dist dist]
// --quick: 3 runs a case and the small sizes of the scaling cases, so CI proves every case
// still runs (it fails only when one cannot run, never on a ratio). A full run (neither
// --quick nor --only) also writes bench/REPORT.md with its charts in bench/charts/, the
// committed report of the current state; every run writes bench/results/<date>.json.
// Extraction goes into a fresh loop-mounted ext4 unless --dir names a directory (see
// bench/scratch-ext4.mjs for why); pull, run and build use their own temp dirs (build's base
// image comes from images/debian-apache/build.sh's cache, built there once if missing).
//
// A module exports `name`, `title`, `async function run(options): Promise<Report>`
// (Report: { name, title, config, rows, summary, … } — anything JSON) and optionally
// `format(report): string` for the printed section. Options are the parsed flags below;
// modules ignore what they don't use. Add `bench/pull.mjs` (minibox pull vs skopeo +
// umoci) or `bench/run.mjs` (run --rm busybox true vs podman) and they run too.
//
// Minibox is benchmarked from its compiled JavaScript (--dist, default dist/); it is
// rebuilt first with `tsc` when any src/ file is newer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    big: { type: 'boolean', default: false },
    dir: { type: 'string', default: 'fresh-ext4' }, // or a directory to extract into as it is
    workers: { type: 'string', default: '' }, // comma list of minibox variants; '' = default
    'drop-caches': { type: 'boolean', default: false },
    'keep-trees': { type: 'boolean', default: false }, // extract: keep every round's trees
    dist: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 20).join('\n') + '\n');
  process.exit(0);
}
const log = (s) => process.stderr.write(`${s}\n`);

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

let dist = values.dist ? path.resolve(values.dist) : path.join(repo, 'dist');
if (!values.dist) {
  const built = path.join(dist, 'layer/unpack.js');
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newest(path.join(repo, 'src'))) {
    log('building dist/ with tsc …');
    try {
      execFileSync(path.join(repo, 'node_modules/.bin/tsc'), ['-p', path.join(repo, 'tsconfig.json')], { stdio: 'inherit' });
    } catch {
      log('tsc reported errors (JavaScript was still emitted); benchmarking what it wrote');
    }
  }
}

const options = {
  runs: Math.max(1, Number(values.runs ?? (values.quick ? 3 : 5))),
  quick: values.quick,
  big: values.big,
  dir: values.dir === 'fresh-ext4' ? values.dir : path.resolve(values.dir),
  dist,
  workers: values.workers.split(','),
  dropCaches: values['drop-caches'],
  keepTrees: values['keep-trees'],
  log,
};
const only = values.only?.split(',');
const benchDir = path.join(repo, 'bench');
const modules = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.mjs') && !f.endsWith('-child.mjs'))
  .sort()
  .filter((f) => only === undefined || only.includes(path.basename(f, '.mjs')));

const results = {
  date: new Date().toISOString(),
  host: { cpus: (await import('node:os')).cpus().length, node: process.version, kernel: (await import('node:os')).release() },
  options: { ...options, log: undefined },
  reports: [],
};
let failed = false;
for (const f of modules) {
  const mod = await import(pathToFileURL(path.join(benchDir, f)).href);
  if (typeof mod.run !== 'function') continue;
  log(`== ${mod.title ?? mod.name ?? f}`);
  const t0 = Date.now();
  const took = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
  try {
    const report = await mod.run(options);
    results.reports.push(report);
    console.log(typeof mod.format === 'function' ? mod.format(report) : JSON.stringify(report, null, 2));
    log(`== ${f}: done in ${took()}`);
  } catch (err) {
    failed = true;
    log(`${f} failed after ${took()}: ${err instanceof Error ? err.stack : err}`);
    results.reports.push({ name: mod.name ?? f, error: String(err) });
  }
}
const out = path.join(benchDir, 'results');
fs.mkdirSync(out, { recursive: true });
const json = `${JSON.stringify(results, null, 2)}\n`;
fs.writeFileSync(path.join(out, 'latest.json'), json);
fs.writeFileSync(path.join(out, `${results.date.replace(/[:.]/g, '-')}.json`), json);
log(`results: ${path.relative(process.cwd(), path.join(out, 'latest.json'))}`);
const { allCases, verdictLines, writeReport } = await import('../bench/report/write.mjs');
const cases = values.quick || only ? allCases(results) : writeReport(results, benchDir);
console.log(['Goals (issue #18): minibox ÷ reference time, or the value, against each goal', ...verdictLines(cases)].join('\n'));
if (!values.quick && !only) log('report: bench/REPORT.md, charts in bench/charts/');
const broken = results.reports.filter((r) => r.error).map((r) => r.name);
if (broken.length) log(`bench: these cases could not run (their errors are above): ${broken.join(', ')}`);
process.exitCode = failed ? 1 : 0;
