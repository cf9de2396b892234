#!/usr/bin/env node
// Layer extraction benchmark: minibox's unpackLayer vs GNU `tar -xzf` vs `tar -xf`.
//
//   npx tsc -p tsconfig.json && node scripts/bench-extract.mjs [--tarball x.tar.gz] [--runs 5]
//       [--dir /var/tmp] [--src usr/share/doc,usr/share/man,...] [--cpu-prof] [--keep]
//
// Without --tarball a layer is built from real directories under / with GNU tar.
// Every run extracts into a fresh directory on the same filesystem; `sync` runs before
// each timed run so nobody pays for the previous run's writeback, and the run
// directories are deleted only at the end (deletes on this ext4 issue discards that
// would otherwise disturb the next run). Methods are interleaved round-robin.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const DEFAULT_SRC = [
  'usr/share/doc',
  'usr/share/man',
  'usr/share/vim',
  'usr/share/perl',
  'usr/lib/python3.11',
  'usr/share/locale/de',
  'usr/share/locale/fr',
];

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else {
  await main();
}

/** One minibox extraction, in its own process so its peak RSS is its own. */
async function child(tarball, dest) {
  const { unpackLayer } = await import(new URL('../dist/layer/unpack.js', import.meta.url).href);
  const stub = { mknod() {}, setxattr() {}, lsetxattr() {} }; // whiteouts/xattrs: not measured
  const t0 = performance.now();
  const { diffId, stats } = await unpackLayer(fs.createReadStream(tarball, { highWaterMark: 256 * 1024 }), 'gzip', dest, {
    fs: stub,
  });
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, diffId, stats }) + '\n');
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timed(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
  return { ms, stdout: r.stdout.toString() };
}

function buildLayer(work, src) {
  const gz = path.join(work, 'layer.tar.gz');
  process.stderr.write(`building ${gz} from ${src.join(' ')} …\n`);
  execFileSync('sh', ['-c', `tar -C / -cf - ${src.map((s) => `'${s}'`).join(' ')} 2>/dev/null | gzip -6 > '${gz}'`]);
  return gz;
}

async function main() {
  const { values } = parseArgs({
    options: {
      tarball: { type: 'string' },
      runs: { type: 'string', default: '5' },
      dir: { type: 'string', default: '/var/tmp' },
      src: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const work = fs.mkdtempSync(path.join(values.dir, 'minibox-bench-'));
  try {
    const gz = values.tarball ? path.resolve(values.tarball) : buildLayer(work, values.src?.split(',') ?? DEFAULT_SRC);
    const plain = path.join(work, 'layer.tar');
    execFileSync('sh', ['-c', `gzip -dc '${gz}' > '${plain}'`]);
    const gzSize = fs.statSync(gz).size;
    const tarSize = fs.statSync(plain).size;
    process.stderr.write(`layer: ${(gzSize / 1e6).toFixed(1)} MB gzip, ${(tarSize / 1e6).toFixed(1)} MB tar\n`);

    const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(work, 'prof')}`] : [];
    const script = new URL(import.meta.url).pathname;
    const results = { minibox: [], minibox_internal: [], 'tar -xzf': [], 'tar -xf': [] };
    let rss = 0;
    let n = 0;
    const fresh = () => {
      const d = path.join(work, `run-${n++}`);
      fs.mkdirSync(d);
      execFileSync('sync');
      return d;
    };
    for (let i = 0; i < runs; i++) {
      const m = timed(process.execPath, [...nodeArgs, script, '--child', gz, fresh()]);
      const out = JSON.parse(m.stdout);
      results.minibox.push(m.ms);
      results.minibox_internal.push(out.ms);
      rss = Math.max(rss, out.maxRssKiB);
      if (i === 0) process.stderr.write(`minibox: ${out.stats.entries} entries, ${out.diffId}\n`);
      results['tar -xzf'].push(timed('tar', ['-xzf', gz, '-C', fresh()]).ms);
      results['tar -xf'].push(timed('tar', ['-xf', plain, '-C', fresh()]).ms);
      process.stderr.write(`round ${i + 1}/${runs} done\n`);
    }
    const med = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
    for (const [k, v] of Object.entries(results)) {
      console.log(`${k.padEnd(17)} median ${med[k].toFixed(0).padStart(6)} ms   runs: ${v.map((x) => x.toFixed(0)).join(' ')}`);
    }
    console.log(`ratio tar -xzf / minibox: ${(med['tar -xzf'] / med.minibox).toFixed(2)}x (target >= 1.2x)`);
    console.log(`minibox peak RSS: ${(rss / 1024).toFixed(1)} MiB`);
    if (values['cpu-prof']) console.log(`cpu profiles in ${path.join(work, 'prof')} (kept)`);
  } finally {
    if (!values.keep && !values['cpu-prof']) fs.rmSync(work, { recursive: true, force: true });
  }
}
