// Pull benchmark: `minibox pull` (download + verify + unpack into snapshots) vs
// `skopeo copy` (registry → OCI layout) + `umoci unpack` (OCI layout → runtime bundle),
// both from Debian, against the same local registry: Debian's real `docker-registry`
// (distribution 2.8) on a free 127.0.0.1 port with its own temp config and storage.
//
// The test image (OCI, three gzip layers) is written by this module as an OCI layout and
// pushed once with `skopeo copy oci:… docker://…`:
//  1. base: the extract benchmark's cached ~100 MB Debian-files layer
//     (<tmpdir>/minibox-bench-cache/rootfs-*/layer.tar{,.gz}); built here under
//     <tmpdir>/minibox-bench-cache/pull-base-* from /usr/lib + /usr/share when missing;
//  2. etc: this machine's /etc (a few MB of small files);
//  3. app: ~8 MB of generated files under opt/app (half incompressible), plus a whiteout
//     of one file and of one directory of the base layer.
// Each round runs both sides once, in an order alternated per round, into fresh output
// directories under --dir (default /var/tmp); `sync` (and with --drop-caches, dropping the
// page cache) before each run; outputs are removed (and synced) between rounds. Medians.
//
//   node bench/pull.mjs [--runs 5] [--dir /var/tmp] [--drop-caches] [--dist dist]
//
// Needs: docker-registry, skopeo, umoci (apt-get install -y docker-registry skopeo umoci).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { withScratchExt4 } from './scratch-ext4.mjs';

export const name = 'pull';
export const title = 'Pull: minibox pull vs skopeo copy + umoci unpack (local docker-registry)';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const MB = 1e6;
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const REGISTRY = process.env.REGISTRY_BIN ?? '/usr/bin/docker-registry';
const TAR_OPTS = ['--format=gnu', '--sort=name', '--mtime=@1700000000', '--owner=0', '--group=0', '--numeric-owner'];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function which(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim() || null;
}

function sha256File(file) {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
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

// ---------------------------------------------------------------- cleanup on exit/signals

const cleanups = new Set();
function runCleanups() {
  for (const f of [...cleanups].reverse()) {
    try {
      f();
    } catch {
      // best effort
    }
  }
  cleanups.clear();
}
const onSignal = (sig) => {
  process.stderr.write(`pull bench: ${sig}, cleaning up\n`);
  runCleanups();
  process.exit(sig === 'SIGINT' ? 130 : 143);
};
function hookExit() {
  process.on('exit', runCleanups);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('exit', runCleanups);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

// ---------------------------------------------------------------- the registry

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function registryConfig(dir, port) {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${createHash('sha256').update(`${process.pid}-${Date.now()}`).digest('hex').slice(0, 32)}`,
    '',
  ].join('\n');
}

async function startRegistry(dir, log) {
  let lastErr;
  for (let tries = 0; tries < 3; tries++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = path.join(dir, 'config.yml');
    fs.writeFileSync(config, registryConfig(dir, port));
    // setpriv --pdeathsig: the registry dies with us even if no exit handler runs.
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', REGISTRY, 'serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d) => void (out = (out + d).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
    cleanups.add(kill);
    const deadline = Date.now() + 15_000;
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      try {
        const res = await fetch(`http://${host}/v2/`);
        await res.arrayBuffer();
        if (res.status === 200) {
          ready = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (ready) {
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          await new Promise((resolve) => {
            const t = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            child.kill('SIGTERM');
          });
        }
        cleanups.delete(kill);
      };
      return { host, stop };
    }
    kill();
    cleanups.delete(kill);
    lastErr = new Error(`docker-registry on ${host} did not answer GET /v2/ (exit ${child.exitCode ?? child.signalCode}):\n${out}`);
    log(`registry start failed, retrying: ${lastErr.message.split('\n')[0]}`);
  }
  throw lastErr;
}

// ---------------------------------------------------------------- the test image

/** The extract benchmark's cached base layer (newest), else one built here. */
function baseLayer(cacheRoot, log) {
  const cands = fs.existsSync(cacheRoot)
    ? fs
        .readdirSync(cacheRoot)
        .filter((d) => d.startsWith('rootfs-') || d.startsWith('pull-base-'))
        .map((d) => path.join(cacheRoot, d))
        .filter((d) => fs.existsSync(path.join(d, 'layer.tar.gz')) && fs.existsSync(path.join(d, 'layer.tar')))
        .sort((a, b) => fs.statSync(path.join(b, 'layer.tar.gz')).mtimeMs - fs.statSync(path.join(a, 'layer.tar.gz')).mtimeMs)
    : [];
  if (cands.length > 0) return { dir: cands[0], source: `cached ${path.basename(cands[0])}` };
  // Not cached (the extract benchmark has not run): /usr/lib then /usr/share, sorted, until 100 MB.
  const list = [];
  let bytes = 0;
  const walk = (dir) => {
    if (bytes >= 100 * MB) return;
    list.push(dir.slice(1));
    let names;
    try {
      names = fs.readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (bytes >= 100 * MB) return;
      const p = path.join(dir, n);
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(p);
      else {
        list.push(p.slice(1));
        if (st.isFile()) bytes += st.size;
      }
    }
  };
  list.push('usr');
  for (const d of ['/usr/lib', '/usr/share']) walk(d);
  const key = createHash('sha256').update(list.join('\n')).digest('hex').slice(0, 12);
  const dir = path.join(cacheRoot, `pull-base-${key}`);
  const tar = path.join(dir, 'layer.tar');
  const gz = path.join(dir, 'layer.tar.gz');
  if (!fs.existsSync(gz)) {
    log(`building the ~100 MB base layer in ${dir} (${list.length} entries) …`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'list'), `${list.join('\n')}\n`);
    execFileSync('tar', ['-C', '/', '--no-recursion', '--format=gnu', '-cf', tar, '-T', path.join(dir, 'list')], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('sh', ['-c', `gzip -n -6 -c '${tar}' > '${gz}.part' && mv '${gz}.part' '${gz}'`]);
  }
  return { dir, source: `built ${path.basename(dir)}` };
}

/** Deterministic bytes: half incompressible (sha256 counter stream), half text. */
function fileBytes(i, size) {
  const out = Buffer.alloc(size);
  if (i % 2 === 0) {
    for (let off = 0, c = 0; off < size; off += 32, c++) createHash('sha256').update(`${i}:${c}`).digest().copy(out, off);
  } else {
    const line = Buffer.from(`line of generated app file ${i}: lorem ipsum dolor sit amet, ${i * 7919}\n`);
    for (let off = 0; off < size; off += line.length) line.copy(out, off);
  }
  return out;
}

/** Writes the 3-layer image as an OCI layout at <layout> (tag "bench"). */
function buildImage(layout, work, cacheRoot, log) {
  const base = baseLayer(cacheRoot, log);
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const putBlob = (buf) => {
    const hex = createHash('sha256').update(buf).digest('hex');
    fs.writeFileSync(path.join(blobs, hex), buf);
    return { digest: `sha256:${hex}`, size: buf.length };
  };
  const layers = [];
  const diffIds = [];

  // 1. base: the cached tar.gz as is (hard link when possible), diffID from the cached tar.
  {
    const gz = path.join(base.dir, 'layer.tar.gz');
    const hex = sha256File(gz);
    const dst = path.join(blobs, hex);
    try {
      fs.linkSync(gz, dst);
    } catch {
      fs.copyFileSync(gz, dst);
    }
    layers.push({ name: 'base', digest: `sha256:${hex}`, size: fs.statSync(gz).size, tarBytes: fs.statSync(path.join(base.dir, 'layer.tar')).size });
    diffIds.push(`sha256:${sha256File(path.join(base.dir, 'layer.tar'))}`);
  }
  const small = (label, tarArgs) => {
    const tar = path.join(work, `${label}.tar`);
    execFileSync('tar', [...TAR_OPTS, '-cf', tar, ...tarArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
    const raw = fs.readFileSync(tar);
    fs.rmSync(tar);
    diffIds.push(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    layers.push({ name: label, ...putBlob(zlib.gzipSync(raw, { level: 6 })), tarBytes: raw.length });
  };
  // 2. etc: this machine's /etc.
  small('etc', ['-C', '/', 'etc']);
  // 3. app: generated files + whiteouts of base paths (one file, one directory).
  {
    const stage = path.join(work, 'app-stage');
    const app = path.join(stage, 'opt', 'app');
    fs.mkdirSync(path.join(app, 'lib'), { recursive: true });
    let total = 0;
    for (let i = 0; total < 8 * MB; i++) {
      const size = 512 + ((i * 2654435761) % (96 * 1024));
      fs.writeFileSync(path.join(app, i % 3 ? 'lib' : '.', `f${String(i).padStart(4, '0')}.dat`), fileBytes(i, size));
      total += size;
    }
    fs.writeFileSync(path.join(app, 'run.sh'), '#!/bin/sh\nexec /opt/app/lib/f0001.dat "$@"\n', { mode: 0o755 });
    fs.symlinkSync('../opt/app/run.sh', path.join(stage, 'app-link'));
    const names = execFileSync('tar', ['-tf', path.join(base.dir, 'layer.tar')], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\n');
    const file = names.find((n) => /^usr\/share\/doc\/[^/]+\/copyright$/.test(n));
    const dir = names.find((n) => /^usr\/share\/doc\/[^/]+\/?$/.test(n) && !(file && file.startsWith(n.replace(/\/?$/, '/'))));
    const whiteouts = [];
    for (const victim of [file, dir].filter(Boolean)) {
      const p = victim.replace(/\/$/, '');
      const wh = path.join(stage, path.dirname(p), `.wh.${path.basename(p)}`);
      fs.mkdirSync(path.dirname(wh), { recursive: true });
      fs.writeFileSync(wh, '');
      whiteouts.push(p);
    }
    small('app', ['-C', stage, ...fs.readdirSync(stage).sort()]);
    layers.at(-1).whiteouts = whiteouts;
    fs.rmSync(stage, { recursive: true, force: true });
  }

  const arch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' }[process.arch] ?? process.arch;
  const config = putBlob(
    Buffer.from(
      JSON.stringify({
        created: '2023-11-14T22:13:20Z',
        architecture: arch,
        os: 'linux',
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], WorkingDir: '/' },
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: layers.map((l) => ({ created: '2023-11-14T22:13:20Z', created_by: `minibox bench: ${l.name} layer` })),
      }),
    ),
  );
  const manifest = putBlob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
      }),
    ),
  );
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }],
    }),
  );
  return { base: base.source, layers, diffIds, manifestDigest: manifest.digest, configDigest: config.digest };
}

// ---------------------------------------------------------------- timing

/** Run a command; wall ms and peak RSS in KiB (/usr/bin/time, or a node wrapper's resourceUsage). */
function timed(cmd, args, scratch, env, rssFromWrapper) {
  const rssFile = path.join(scratch, 'rss');
  fs.rmSync(rssFile, { force: true });
  const [c, a] = TIME && !rssFromWrapper ? [TIME, ['-o', rssFile, '-f', '%M %U %S', cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, env: { ...process.env, ...env, MINIBOX_BENCH_RSS: rssFile } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  // /usr/bin/time: "maxRSS user sys" (KiB, s); the node wrapper: maxRSS only.
  const [rss, user, sys] = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number) : [];
  return { ms, rssKiB: rss ?? NaN, cpuMs: user === undefined ? NaN : (user + sys) * 1000, sysMs: sys === undefined ? NaN : sys * 1000 };
}

/** minibox's CLI from --dist: bin/minibox for the repo's dist/, else a loader; RSS via the wrapper without /usr/bin/time. */
function miniboxCommand(dist) {
  const main = pathToFileURL(path.join(dist, 'cli/main.js')).href;
  if (TIME && path.resolve(dist) === path.join(repo, 'dist')) return { args: [path.join(repo, 'bin/minibox')], wrapper: false };
  const code = [
    "import fs from 'node:fs';",
    "process.on('exit', () => { try { fs.writeFileSync(process.env.MINIBOX_BENCH_RSS, String(process.resourceUsage().maxRSS)); } catch {} });",
    `const m = await import(${JSON.stringify(main)});`,
    "await m.main([process.argv[0], 'minibox', ...process.argv.slice(1)]);",
  ].join('\n');
  return { args: ['--input-type=module', '-e', code], wrapper: !TIME };
}

function duBytes(p) {
  try {
    return Number(execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    return NaN;
  }
}

/**
 * @param {{runs: number, dir: string, dist: string, dropCaches: boolean, log: (s: string) => void}} o
 */
export async function run(o) {
  if (o.dir !== 'fresh-ext4') return runIn(o);
  // minibox's store and umoci's bundles of every round stay until the end
  return withScratchExt4(Math.max(4e9, o.runs * 1.2e9), (dir, label) => runIn({ ...o, dir }, label), { log: o.log });
}

async function runIn(o, label = o.dir) {
  const missing = [REGISTRY, 'skopeo', 'umoci', 'setpriv'].filter((b) => !(b.startsWith('/') ? fs.existsSync(b) : which(b)));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: apt-get install -y docker-registry skopeo umoci`);
  const dist = o.dist ?? path.join(repo, 'dist');
  if (!fs.existsSync(path.join(dist, 'cli/main.js'))) throw new Error(`${dist}/cli/main.js is missing: build with npx tsc -p tsconfig.json`);
  const cacheRoot = path.join(os.tmpdir(), 'minibox-bench-cache');
  fs.mkdirSync(o.dir, { recursive: true });
  const unhook = hookExit();
  const work = fs.mkdtempSync(path.join(o.dir, 'minibox-bench-pull-'));
  const rmWork = () => fs.rmSync(work, { recursive: true, force: true });
  cleanups.add(rmWork);
  let registry;
  try {
    const fsType = execFileSync('stat', ['-f', '-c', '%T', work], { encoding: 'utf8' }).trim();
    const layout = path.join(work, 'layout');
    const image = buildImage(layout, work, cacheRoot, o.log);
    const gzTotal = image.layers.reduce((s, l) => s + l.size, 0);
    const tarTotal = image.layers.reduce((s, l) => s + l.tarBytes, 0);
    o.log(`image: ${image.layers.map((l) => `${l.name} ${(l.size / MB).toFixed(1)} MB gz / ${(l.tarBytes / MB).toFixed(1)} MB tar`).join(', ')} (base: ${image.base})`);

    const regDir = path.join(work, 'registry');
    fs.mkdirSync(regDir);
    registry = await startRegistry(regDir, o.log);
    const ref = `${registry.host}/bench/base:1`;
    const t0 = performance.now();
    execFileSync('skopeo', ['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `oci:${layout}:bench`, `docker://${ref}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    const pushMs = performance.now() - t0;
    // The registry must serve our blobs byte for byte (no recompression by skopeo).
    const res = await fetch(`http://${registry.host}/v2/bench/base/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const served = await res.json();
    const servedDigests = served.layers?.map((l) => l.digest).join(',');
    if (servedDigests !== image.layers.map((l) => l.digest).join(',')) throw new Error(`the registry serves other layers than pushed: ${JSON.stringify(served)}`);
    o.log(`pushed ${ref} in ${pushMs.toFixed(0)} ms (${res.headers.get('content-type')})`);
    fs.rmSync(layout, { recursive: true, force: true });

    const mb = miniboxCommand(dist);
    const sides = [
      {
        name: 'minibox pull',
        steps: (n) => [
          { part: 'minibox pull', cmd: process.execPath, args: [...mb.args, 'pull', '-q', ref], env: { MINIBOX_ROOT: path.join(work, `mbroot-${n}`) }, wrapper: mb.wrapper },
        ],
        outputs: (n) => [path.join(work, `mbroot-${n}`)],
      },
      {
        name: 'skopeo copy + umoci unpack',
        steps: (n) => [
          { part: 'skopeo copy', cmd: 'skopeo', args: ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${path.join(work, `oci-${n}`)}:bench`] },
          { part: 'umoci unpack', cmd: 'umoci', args: ['unpack', '--image', `${path.join(work, `oci-${n}`)}:bench`, path.join(work, `bundle-${n}`)] },
        ],
        outputs: (n) => [path.join(work, `oci-${n}`), path.join(work, `bundle-${n}`)],
      },
    ];
    const samples = {};
    const add = (k, ms, rss, cpu, sys) => {
      samples[k] ??= { ms: [], rssKiB: [], cpuMs: [], sysMs: [] };
      samples[k].ms.push(ms);
      samples[k].rssKiB.push(rss);
      samples[k].cpuMs.push(cpu);
      samples[k].sysMs.push(sys);
    };
    let n = 0;
    const outBytes = {};
    let sanity;
    for (let round = 0; round < o.runs; round++) {
      const order = round % 2 ? [...sides].reverse() : sides;
      const line = [];
      for (const side of order) {
        const id = n++;
        let total = 0;
        let rssMax = 0;
        let cpu = 0;
        let sys = 0;
        for (const step of side.steps(id)) {
          settle(o.dropCaches);
          const r = timed(step.cmd, step.args, work, step.env, step.wrapper);
          total += r.ms;
          rssMax = Math.max(rssMax, r.rssKiB);
          cpu += r.cpuMs;
          sys += r.sysMs;
          if (side.steps(id).length > 1) add(step.part, r.ms, r.rssKiB, r.cpuMs, r.sysMs);
        }
        add(side.name, total, rssMax, cpu, sys);
        line.push(`${side.name} ${total.toFixed(0)} ms`);
        if (round === 0) {
          for (const p of side.outputs(id)) outBytes[path.basename(p).replace(/-\d+$/, '')] = duBytes(p);
          if (side.name === 'minibox pull') {
            const snaps = path.join(work, `mbroot-${id}`, 'snapshots');
            const count = fs.existsSync(snaps) ? fs.readdirSync(snaps).filter((d) => !d.includes('.')).length : 0;
            if (count !== image.layers.length) throw new Error(`minibox pull left ${count} snapshots, expected ${image.layers.length}`);
          } else {
            const rootfs = path.join(work, `bundle-${id}`, 'rootfs');
            const gone = image.layers.at(-1).whiteouts.filter((p) => fs.existsSync(path.join(rootfs, p)));
            if (gone.length) throw new Error(`umoci kept whited-out paths: ${gone.join(', ')}`);
            sanity = `umoci rootfs ${(duBytes(rootfs) / MB).toFixed(1)} MB`;
          }
        }
        for (const p of side.outputs(id)) fs.rmSync(p, { recursive: true, force: true });
      }
      o.log(`round ${round + 1}/${o.runs}: ${line.join(', ')}`);
    }

    const order = ['minibox pull', 'skopeo copy + umoci unpack', 'skopeo copy', 'umoci unpack'];
    const rows = order.map((k) => {
      const s = samples[k];
      return {
        tool: k,
        medianMs: median(s.ms),
        minMs: Math.min(...s.ms),
        maxMs: Math.max(...s.ms),
        runsMs: s.ms.map((x) => Math.round(x)),
        cpuMedianMs: median(s.cpuMs), // user + sys of the process tree (NaN without /usr/bin/time)
        sysMedianMs: median(s.sysMs),
        peakRssMiB: Math.max(...s.rssKiB) / 1024,
      };
    });
    const mbMs = rows[0].medianMs;
    for (const r of rows) r.ratioThisOverMinibox = r.medianMs / mbMs;
    const ratio = rows[1].medianMs / mbMs;
    return {
      name,
      title,
      config: {
        registry: `${REGISTRY} (${execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'docker-registry'], { encoding: 'utf8' }).trim()})`,
        skopeo: execFileSync('skopeo', ['--version'], { encoding: 'utf8' }).trim(),
        umoci: execFileSync('umoci', ['--version'], { encoding: 'utf8' }).trim(),
        image: {
          base: image.base,
          manifest: image.manifestDigest,
          layers: image.layers.map((l) => ({ name: l.name, digest: l.digest, gzipBytes: l.size, tarBytes: l.tarBytes, whiteouts: l.whiteouts })),
          gzipBytes: gzTotal,
          tarBytes: tarTotal,
        },
        pushMs,
        outputBytes: outBytes,
        sanity,
        dir: label,
        fsType,
        runs: o.runs,
        dropCaches: o.dropCaches,
        loadAvg: os.loadavg().map((x) => Number(x.toFixed(2))),
      },
      rows,
      summary: { ratio, minibox: { medianMs: mbMs, peakRssMiB: rows[0].peakRssMiB } },
      note: 'ratio = (skopeo copy + umoci unpack) / minibox pull medians; > 1 means minibox is faster',
    };
  } finally {
    await registry?.stop().catch(() => {});
    rmWork();
    cleanups.delete(rmWork);
    unhook();
  }
}

export function format(report) {
  const c = report.config;
  const lines = [
    `${report.title}`,
    `  image: ${c.image.layers.length} layers, ${(c.image.tarBytes / MB).toFixed(1)} MB tar, ${(c.image.gzipBytes / MB).toFixed(1)} MB gzip (${c.image.layers
      .map((l) => `${l.name} ${(l.gzipBytes / MB).toFixed(1)}`)
      .join(' + ')} MB); base ${c.image.base}`,
    `  into ${c.dir} (${c.fsType}); ${c.runs} rounds${c.dropCaches ? ', caches dropped' : ''}; push ${c.pushMs.toFixed(0)} ms; load avg ${c.loadAvg.join(' ')}`,
  ];
  for (const r of report.rows) {
    lines.push(
      `  ${r.tool.padEnd(28)} median ${r.medianMs.toFixed(0).padStart(6)} ms  (${r.minMs.toFixed(0)}–${r.maxMs.toFixed(0)})  ` +
        `this/minibox ${r.ratioThisOverMinibox.toFixed(2)}x  peak RSS ${r.peakRssMiB.toFixed(1)} MiB` +
        (Number.isNaN(r.cpuMedianMs) ? '' : `  cpu ${r.cpuMedianMs.toFixed(0)} ms (sys ${r.sysMedianMs.toFixed(0)})`),
    );
  }
  lines.push(`  ratio (skopeo+umoci)/minibox: ${report.summary.ratio.toFixed(2)}x (> 1: minibox faster)`);
  return lines.join('\n');
}

// Alone: node bench/pull.mjs [--runs N] [--dir D] [--drop-caches] [--dist dist]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      dir: { type: 'string', default: 'fresh-ext4' },
      dist: { type: 'string' },
      'drop-caches': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await run({
    runs: Math.max(1, Number(values.runs)),
    dir: values.dir === 'fresh-ext4' ? values.dir : path.resolve(values.dir),
    dist: values.dist ? path.resolve(values.dist) : path.join(repo, 'dist'),
    dropCaches: values['drop-caches'],
    log: (s) => process.stderr.write(`${s}\n`),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : format(report));
}
