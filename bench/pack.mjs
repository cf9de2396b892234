// Layer writing benchmark: minibox's packDirectory (walk + tar + sha256 diffID + gzip -6 +
// sha256 digest, one pass) vs GNU `tar -czf` (tar piped to gzip -6: no digests) and
// `tar -cf` (no compression), writing the same tree into files on the same filesystem.
//
// The tree is copied once (`cp -a`) from this machine's /usr/share/doc, /usr/share/locale
// and /usr/lib/python3* (text, translations, bytecode: a build step's typical mix) until
// it holds ~100 MB (--big: ~400 MB), and cached under <tmpdir>/minibox-bench-cache/.
// Each round runs every tool once, order rotated per round, `sync` before each run;
// medians over the rounds. The figure that matters is the ratio tar -czf / minibox.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleRow, timed } from './measure.mjs';

export const name = 'pack';
export const title = 'Layer writing: minibox packDirectory vs GNU tar -czf';

const here = path.dirname(fileURLToPath(import.meta.url));
const MB = 1e6;

function duBytes(dir) {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}

/** The cached tree: whole top-level directories of the sources, in name order, until the target. */
function buildTree(big, log) {
  const target = big ? 400 * MB : 100 * MB;
  const dir = path.join(os.tmpdir(), 'minibox-bench-cache', `pack-tree-${big ? 'big' : 'default'}`);
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(tree, { recursive: true });
  const sources = ['/usr/share/doc', '/usr/share/locale', ...fs.readdirSync('/usr/lib').filter((n) => n.startsWith('python3')).sort().map((n) => `/usr/lib/${n}`)];
  log(`building the ~${target / MB} MB pack tree in ${tree} …`);
  let bytes = 0;
  for (const src of sources.filter((s) => fs.existsSync(s))) {
    const dest = path.join(tree, src.slice(1));
    fs.mkdirSync(dest, { recursive: true });
    for (const n of fs.readdirSync(src).sort()) {
      if (bytes >= target) break;
      execFileSync('cp', ['-a', path.join(src, n), dest]);
      bytes = duBytes(tree);
    }
  }
  fs.writeFileSync(done, `${bytes}\n`);
  return dir;
}

/** @param {{runs: number, big: boolean, dist: string, log: (s: string) => void}} o */
export async function run(o) {
  const cache = buildTree(o.big, o.log);
  const tree = path.join(cache, 'tree');
  const treeBytes = Number(fs.readFileSync(path.join(cache, '.complete'), 'utf8'));
  const entries = Number(execFileSync('sh', ['-c', `find '${tree}' -mindepth 1 | wc -l`], { encoding: 'utf8' }));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-pack-'));
  const out = path.join(work, 'out');
  // GNU tar with --sort=name and numeric owners: the same order and headers as minibox's layer
  const tarArgs = ['--sort=name', '--numeric-owner', '-C', tree];
  const tools = [
    { name: 'minibox', minibox: true, cmd: process.execPath, args: () => [path.join(here, 'pack-child.mjs'), o.dist, tree, out] },
    { name: 'tar -czf', cmd: 'tar', args: () => ['-czf', out, ...tarArgs, '.'] },
    { name: 'tar -cf', cmd: 'tar', args: () => ['-cf', out, ...tarArgs, '.'] },
  ];
  const samples = Object.fromEntries(tools.map((t) => [t.name, { ms: [], rssKiB: [], inner: [], sizes: [] }]));
  let digest;
  try {
    for (let round = 0; round < o.runs; round++) {
      const order = tools.map((_, i) => tools[(i + round) % tools.length]);
      for (const t of order) {
        fs.rmSync(out, { force: true });
        execFileSync('sync');
        const r = timed(t.cmd, t.args(), work);
        const s = samples[t.name];
        s.ms.push(r.ms);
        s.sizes.push(fs.statSync(out).size);
        if (t.minibox) {
          const res = JSON.parse(r.stdout);
          digest ??= res.digest;
          if (res.digest !== digest) throw new Error(`the layer digest changed between runs: ${res.digest} vs ${digest}`);
          s.inner.push(res.ms);
          s.rssKiB.push(res.maxRssKiB);
        } else {
          s.rssKiB.push(r.rssKiB);
        }
      }
      o.log(`round ${round + 1}/${o.runs}: ${order.map((t) => `${t.name} ${samples[t.name].ms.at(-1).toFixed(0)} ms`).join(', ')}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const rows = tools.map((t) => ({ ...sampleRow(t.name, samples[t.name]), outputBytes: samples[t.name].sizes[0] }));
  const tarCzf = rows.find((r) => r.tool === 'tar -czf').medianMs;
  for (const r of rows) r.ratioTarCzfOverThis = tarCzf / r.medianMs;
  const mb = rows.find((r) => r.tool === 'minibox');
  return {
    name,
    title,
    config: { tree, treeBytes, entries, runs: o.runs, digest },
    rows,
    summary: { minibox: { ratio: mb.ratioTarCzfOverThis, peakRssMiB: mb.peakRssMiB } },
    target: 'tar -czf / minibox >= 1.0 (minibox also computes both digests), minibox peak RSS < 128 MiB',
  };
}

export function format(report) {
  const c = report.config;
  const lines = [`${report.title}`, `  tree: ${(c.treeBytes / MB).toFixed(1)} MB, ${c.entries} entries; ${c.runs} rounds`];
  for (const r of report.rows) {
    lines.push(
      `  ${r.tool.padEnd(12)} median ${r.medianMs.toFixed(0).padStart(6)} ms  (${r.minMs.toFixed(0)}–${r.maxMs.toFixed(0)})  ` +
        `tar-czf/this ${r.ratioTarCzfOverThis.toFixed(2)}x  output ${(r.outputBytes / MB).toFixed(1)} MB  peak RSS ${r.peakRssMiB.toFixed(1)} MiB` +
        (r.inProcessMedianMs !== undefined ? `  (in-process ${r.inProcessMedianMs.toFixed(0)} ms)` : ''),
    );
  }
  lines.push(`  target: ${report.target}`);
  return lines.join('\n');
}
