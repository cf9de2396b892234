// Extraction benchmark: minibox's unpackLayer (gunzip + sha256 diffID + extract) vs
// GNU `tar -xzf` vs `tar -xf` on the same layer, into fresh directories on the same
// filesystem (--dir, default /var/tmp: the disk; use /dev/shm for tmpfs).
//
// The layer is built deterministically from this machine's own files with GNU tar
// (format gnu) and `gzip -n -6`, and cached under <tmpdir>/minibox-bench-cache/:
//  - default (~100 MB tar): a Debian rootfs — every file of the installed packages of
//    Priority required/important (what debootstrap's minbase installs), then standard
//    and optional packages in name order until the files reach 100 MB; paths under
//    merged-/usr symlinks (/bin, /lib, …) are left out. Without dpkg, /usr/lib then
//    /usr/share in sorted order.
//  - --big (~1 GB tar): /usr in sorted order until the files reach 1 GB.
// Each round runs every tool once, in an order rotated per round; `sync` (and with
// --drop-caches, dropping the page cache) before each run; medians over the rounds.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleChild } from './extract-child.mjs';
import { withScratchExt4 } from './scratch-ext4.mjs';
import { sampleRow, timed } from './measure.mjs';

export const name = 'extract';
export const title = 'Layer extraction: minibox unpackLayer vs GNU tar';

const here = path.dirname(fileURLToPath(import.meta.url));
const MB = 1e6;

function lstat(p) {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Paths (relative to /) of the layer, parents first, and the regular-file byte count. */
function selectFiles(big) {
  const target = big ? 1000 * MB : 100 * MB;
  const chosen = new Set();
  let bytes = 0;
  const add = (abs) => {
    if (bytes >= target || chosen.has(abs)) return;
    const st = lstat(abs);
    if (st === undefined) return;
    const dir = path.dirname(abs);
    if (fs.realpathSync(dir) !== dir) return; // under a symlinked directory (merged /usr)
    chosen.add(abs);
    if (st.isFile()) bytes += st.size;
  };
  let packages = [];
  if (!big) {
    try {
      const out = execFileSync('dpkg-query', ['-W', '-f', '${Package}\\t${Priority}\\n'], { encoding: 'utf8' });
      const rank = { required: 0, important: 1, standard: 2, optional: 3 };
      packages = out
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
        .filter(([, prio]) => prio in rank)
        .sort((a, b) => rank[a[1]] - rank[b[1]] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([p]) => p);
    } catch {
      packages = [];
    }
  }
  for (const pkg of packages) {
    if (bytes >= target) break;
    const files = execFileSync('dpkg-query', ['-L', pkg], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
    for (const f of files.filter((f) => f.startsWith('/') && f !== '/.').sort()) add(f);
  }
  const walk = (dir) => {
    if (bytes >= target) return;
    add(dir);
    let names;
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      const st = lstat(p);
      if (st?.isDirectory()) walk(p);
      else add(p);
    }
  };
  if (bytes < target) for (const d of big ? ['/usr'] : ['/usr/lib', '/usr/share']) walk(d);
  // Every ancestor directory gets its own entry, before its children (as in real layers).
  for (const p of [...chosen]) for (let d = path.dirname(p); d !== '/'; d = path.dirname(d)) chosen.add(d);
  return { list: [...chosen].map((p) => p.slice(1)).sort(), bytes };
}

function buildLayer(big, cacheRoot, log) {
  const { list, bytes } = selectFiles(big);
  const key = createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 12);
  const dir = path.join(cacheRoot, `${big ? 'big' : 'rootfs'}-${key}`);
  const tar = path.join(dir, 'layer.tar');
  const gz = path.join(dir, 'layer.tar.gz');
  if (!fs.existsSync(gz)) {
    log(`building the ${big ? '~1 GB' : '~100 MB'} layer in ${dir} (${list.length} entries, ${(bytes / MB).toFixed(0)} MB of files) …`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'list'), `${list.join('\n')}\n`);
    execFileSync('tar', ['-C', '/', '--no-recursion', '--format=gnu', '-cf', tar, '-T', path.join(dir, 'list')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    execFileSync('sh', ['-c', `gzip -n -6 -c '${tar}' > '${gz}.part' && mv '${gz}.part' '${gz}'`]);
  }
  return { tar, gz, entries: list.length, fileBytes: bytes };
}

function settle(drop) {
  execFileSync('sync');
  if (drop) {
    try {
      fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    } catch {
      // not root: sync only
    }
  }
}

/**
 * @param {{runs: number, big: boolean, dir: string, dist: string, workers: string[], dropCaches: boolean, keepTrees?: boolean, log: (s: string) => void}} o
 */
export async function run(o) {
  if (o.dir !== 'fresh-ext4') return runIn(o, o.dir);
  // every run's tree stays until the end (but the big layer's, deleted as it goes)
  // sparse: room (blocks and inodes) for every tool's tree of every round costs nothing
  const bytes = o.big ? 4e9 : 1e9 + (o.workers.length + 2) * (o.keepTrees ? o.runs : 1) * 2e8;
  return withScratchExt4(bytes, (dir, label) => runIn(o, dir, label), { log: o.log });
}

async function runIn(o, dir, label = dir) {
  const cacheRoot = path.join(os.tmpdir(), 'minibox-bench-cache');
  const layer = buildLayer(o.big, cacheRoot, o.log);
  const gzSize = fs.statSync(layer.gz).size;
  const tarSize = fs.statSync(layer.tar).size;
  o.log(`layer: ${(gzSize / MB).toFixed(1)} MB gzip, ${(tarSize / MB).toFixed(1)} MB tar, ${layer.entries} entries`);
  const fsType = execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
  const work = fs.mkdtempSync(path.join(dir, 'minibox-bench-'));
  const child = await bundleChild(o.dist, work);
  // The bundled child finds no native-shim/ next to it: point it at the repo's inflater.
  const inflateBin = path.join(here, '..', 'native-shim', 'build', 'minibox-inflate');
  process.env.MINIBOX_INFLATE_BIN ??= inflateBin;
  const tools = [
    ...o.workers.map((w) => ({
      name: w === '' ? 'minibox' : `minibox workers=${w}`,
      minibox: true,
      cmd: process.execPath,
      args: (dest) => [child, layer.gz, dest, w],
    })),
    // the zlib fallback, for the inflater's share (only where minibox-inflate is built)
    ...(fs.existsSync(process.env.MINIBOX_INFLATE_BIN)
      ? [{ name: 'minibox (zlib)', minibox: true, env: { MINIBOX_INFLATER: 'zlib' }, cmd: process.execPath, args: (dest) => [child, layer.gz, dest, ''] }]
      : []),
    { name: 'tar -xzf', cmd: 'tar', args: (dest) => ['-xzf', layer.gz, '-C', dest] },
    { name: 'tar -xf', cmd: 'tar', args: (dest) => ['-xf', layer.tar, '-C', dest] },
  ];
  const samples = Object.fromEntries(tools.map((t) => [t.name, { ms: [], rssKiB: [], inner: [] }]));
  let n = 0;
  let diffId;
  try {
    for (let round = 0; round < o.runs; round++) {
      const order = tools.map((_, i) => tools[(i + round) % tools.length]);
      const dirs = [];
      for (const t of order) {
        const dest = path.join(work, `run-${n++}`);
        fs.mkdirSync(dest);
        dirs.push(dest);
        settle(o.dropCaches);
        for (const [k, v] of Object.entries(t.env ?? {})) process.env[k] = v;
        let r;
        try {
          r = timed(t.cmd, t.args(dest), work);
        } finally {
          for (const k of Object.keys(t.env ?? {})) delete process.env[k];
        }
        const s = samples[t.name];
        s.ms.push(r.ms);
        if (t.minibox) {
          const out = JSON.parse(r.stdout);
          diffId ??= out.diffId;
          if (out.diffId !== diffId) throw new Error(`diffID changed between runs: ${out.diffId} vs ${diffId}`);
          s.inner.push(out.ms);
          s.rssKiB.push(out.maxRssKiB);
          s.inflatedBy = out.inflatedBy;
        } else {
          s.rssKiB.push(r.rssKiB);
        }
      }
      o.log(`round ${round + 1}/${o.runs}: ${order.map((t) => `${t.name} ${samples[t.name].ms.at(-1).toFixed(0)} ms`).join(', ')}`);
      // Delete each round's trees after the round (after a sync, so the deletes' own work
      // lands between rounds, not inside a timed run): every round then extracts into the
      // same near-empty filesystem. Kept (--keep-trees), they pile up: on the reference VM,
      // once the filesystem held ~1 GB of earlier trees, `tar -xf` alone went from ~290 to
      // ~550 ms a run, the state of the directory rather than the tools being measured.
      // (The big layer does not fit many times over, so it is always deleted.)
      if (o.big || !o.keepTrees) {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        execFileSync('sync');
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const rows = tools.map((t) => ({ ...sampleRow(t.name, samples[t.name]), ...(t.minibox ? { inflatedBy: samples[t.name].inflatedBy } : {}) }));
  const tarXzf = rows.find((r) => r.tool === 'tar -xzf').medianMs;
  for (const r of rows) r.ratioTarXzfOverThis = tarXzf / r.medianMs;
  return {
    name,
    title,
    config: {
      layer: o.big ? 'big' : 'rootfs',
      gzipBytes: gzSize,
      tarBytes: tarSize,
      entries: layer.entries,
      dir: label,
      fsType,
      runs: o.runs,
      dropCaches: o.dropCaches,
      keepTrees: Boolean(o.keepTrees),
      diffId,
    },
    rows,
    summary: Object.fromEntries(
      rows.filter((r) => r.tool.startsWith('minibox')).map((r) => [r.tool, { ratio: r.ratioTarXzfOverThis, peakRssMiB: r.peakRssMiB }]),
    ),
    target: 'tar -xzf / minibox >= 2.5, minibox peak RSS < 100 MiB',
  };
}

export function format(report) {
  const c = report.config;
  const lines = [
    `${report.title}`,
    `  layer ${c.layer}: ${(c.tarBytes / MB).toFixed(1)} MB tar, ${(c.gzipBytes / MB).toFixed(1)} MB gzip, ${c.entries} entries; into ${c.dir} (${c.fsType}); ${c.runs} rounds${c.dropCaches ? ', caches dropped' : ''}${c.keepTrees ? ', trees kept' : ''}`,
  ];
  for (const r of report.rows) {
    lines.push(
      `  ${r.tool.padEnd(20)} median ${r.medianMs.toFixed(0).padStart(6)} ms  (${r.minMs.toFixed(0)}–${r.maxMs.toFixed(0)})  ` +
        `tar-xzf/this ${r.ratioTarXzfOverThis.toFixed(2)}x  peak RSS ${r.peakRssMiB.toFixed(1)} MiB` +
        (r.inProcessMedianMs !== undefined ? `  (in-process ${r.inProcessMedianMs.toFixed(0)} ms)` : '') +
        (r.inflatedBy !== undefined ? `  [${r.inflatedBy}]` : ''),
    );
  }
  lines.push(`  target: ${report.target}`);
  return lines.join('\n');
}
