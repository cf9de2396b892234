// Build benchmark: the lecture's apache Dockerfile (images/debian-apache/lecture: FROM
// debian-apache:bookworm, MAINTAINER, RUN, six ENV, ADD, EXPOSE, CMD) built by
// `minibox build` and by `podman --runtime runc build`, cold (--no-cache: every step run,
// the RUN in a container) and fully cached (a rebuild of the unchanged context). Both start
// from the same base, the OCI layout images/debian-apache/build.sh makes from Debian's
// packages (built once into its cache outside the checkout, if missing): minibox loads it
// into a private MINIBOX_ROOT, podman pulls it through its `oci:` transport. The RUN needs
// no network, so both build with --network none (minibox when its build has the flag).
// Runs alternate per round; medians; ratios minibox/podman.
//
//   node bench/build.mjs [--runs 5]
//
// Needs: mmdebstrap (the base, once), podman and runc (apt-get install -y podman runc).
// Without podman the minibox rows are still measured and the ratios are null.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const name = 'build';
export const title = "build of the lecture's apache Dockerfile: minibox vs podman (runc), cold and cached";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const context = path.join(repo, 'images', 'debian-apache', 'lecture');
const BASE = 'docker.io/library/debian-apache:bookworm'; // the Dockerfile's FROM, as both tools name it
const TAG = 'minibox-bench-gateway-service-1';
const PODMAN_TAG = `localhost/${TAG}:latest`;
// podman on this host: runc (crun refuses it) and limits its default ulimits exceed
const PODMAN_GLOBAL = ['--runtime', 'runc'];
const PODMAN_BUILD = ['build', '--pull=never', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000', '-q', '-t', PODMAN_TAG];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function timed(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return { ms, stdout: r.stdout };
}

const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** The base layout (building it if the cache lacks it) and how long that took. */
function baseLayout(log) {
  const t0 = Date.now();
  const r = spawnSync('bash', [path.join(repo, 'images', 'debian-apache', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`images/debian-apache/build.sh failed (${r.status}): ${r.stderr}`);
  const built = /debian-apache: built /.test(r.stderr);
  const seconds = (Date.now() - t0) / 1000;
  if (built) log?.(`debian-apache base image built in ${seconds.toFixed(1)} s (cold, once per recipe)`);
  return { layout: r.stdout.trim().split('\n').pop(), built, seconds };
}

/** podman's copy of the base; returns whether it was ours to remove afterwards. */
function preparePodman(layout) {
  if (spawnSync('podman', ['image', 'exists', BASE]).status === 0) return false;
  const id = execFileSync('podman', ['pull', '-q', `oci:${layout}`], { encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('podman', ['tag', id, BASE]);
  // the oci: transport names the image after the layout's path; only BASE is wanted
  spawnSync('podman', ['untag', id, `localhost${layout}:latest`], { stdio: 'ignore' });
  return true;
}

export async function run(options = {}) {
  const runs = Number(options.runs ?? 5);
  const log = options.log;
  const base = baseLayout(log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-build-'));
  const env = { ...process.env, MINIBOX_ROOT: path.join(tmp, 'root') };
  const mb = [path.join(repo, 'bin', 'minibox')];
  const podmanImages = new Set(); // every image id podman built here, removed at the end
  let podmanBase = false;
  try {
    const help = spawnSync(process.execPath, [...mb, 'build', '--help'], { env, encoding: 'utf8' });
    if (help.status !== 0 || !help.stdout.includes('--no-cache')) throw new Error('this minibox has no `build --no-cache` yet');
    const mbNetwork = help.stdout.includes('--network') ? ['--network', 'none'] : [];
    execFileSync(process.execPath, [...mb, 'load', '-q', '-i', base.layout], { env, stdio: 'ignore' });
    const mbBuild = (cold) => timed(process.execPath, [...mb, 'build', ...(cold ? ['--no-cache'] : []), ...mbNetwork, '-t', TAG, context], env).ms;
    const podmanBuild = (cold) => {
      const r = timed('podman', [...PODMAN_GLOBAL, ...PODMAN_BUILD, ...(cold ? ['--no-cache'] : []), context], process.env);
      podmanImages.add(r.stdout.trim().split('\n').pop());
      return r.ms;
    };
    // warm-up, and the cache the cached rounds hit: page cache, first container, layers
    mbBuild(false);
    // podman is the reference, not the subject: if it cannot build here, minibox's rows still
    // count and the report says why there are no ratios
    let podman = false;
    let podmanProblem = 'podman not installed';
    if (have('podman')) {
      try {
        podmanBase = preparePodman(base.layout);
        podmanBuild(false);
        podman = true;
      } catch (err) {
        podmanProblem = `podman could not build here: ${String(err.message ?? err).split('\n')[0]}`;
        log?.(podmanProblem);
      }
    }
    const times = { minibox: { cold: [], cached: [] }, podman: { cold: [], cached: [] } };
    for (let i = 0; i < runs; i++) {
      for (const cold of [true, false]) {
        const order = i % 2 ? ['podman', 'minibox'] : ['minibox', 'podman'];
        for (const who of order) {
          if (who === 'minibox') times.minibox[cold ? 'cold' : 'cached'].push(mbBuild(cold));
          else if (podman) times.podman[cold ? 'cold' : 'cached'].push(podmanBuild(cold));
        }
      }
    }
    const rows = [];
    const ratios = {};
    for (const kind of ['cold', 'cached']) {
      const flag = kind === 'cold' ? ' --no-cache' : '';
      rows.push({ label: `minibox build${flag} (${kind})`, kind, tool: 'minibox', median_ms: median(times.minibox[kind]), runs });
      if (podman) rows.push({ label: `podman --runtime runc build${flag} (${kind})`, kind, tool: 'podman', median_ms: median(times.podman[kind]), runs });
      ratios[kind] = podman ? median(times.minibox[kind]) / median(times.podman[kind]) : null;
    }
    const summary = podman ? `minibox/podman: cold ${ratios.cold.toFixed(2)}, cached ${ratios.cached.toFixed(2)}` : podmanProblem;
    return {
      name,
      title,
      config: { runs, minibox_network: mbNetwork.length ? 'none' : 'default (build has no --network)', podman_network: 'none' },
      base: { layout: base.layout, built_this_run: base.built, seconds: base.seconds },
      rows,
      ratios,
      summary,
    };
  } finally {
    if (podmanImages.size > 0) spawnSync('podman', ['rmi', '-f', ...podmanImages], { stdio: 'ignore' });
    if (podmanBase) spawnSync('podman', ['rmi', '-f', BASE], { stdio: 'ignore' });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function format(report) {
  const lines = report.rows.map((r) => `  ${r.label.padEnd(48)} ${r.median_ms.toFixed(1).padStart(8)} ms`);
  const base = report.base.built_this_run ? `  (base image debian-apache:bookworm built first: ${report.base.seconds.toFixed(1)} s, once per recipe)` : null;
  return [report.title, ...lines, ...(base ? [base] : []), `  ${report.summary}`].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const report = await run({ ...values, log: (s) => process.stderr.write(`${s}\n`) });
  console.log(format(report));
}
