// What the container benchmarks share: the offline busybox image in each engine (minibox in a
// private MINIBOX_ROOT, podman through skopeo + podman load, runc/crun as a umoci bundle),
// running a command and timing it, and the statistics a case reports.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUSYBOX_LAYOUT = path.join(repo, 'images', 'busybox', 'out', 'busybox-oci');
export const MINIBOX = path.join(repo, 'bin', 'minibox');
export const PODMAN_IMAGE = 'localhost/minibox-bench-busybox:latest';
// podman's defaults ask for more than this kind of host grants (no CAP_SYS_RESOURCE), and
// crun 1.8 refuses hybrid cgroup hosts, so podman runs with runc and these ulimits
export const PODMAN = ['--runtime', 'runc'];
export const PODMAN_RUN_FLAGS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000'];

export const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

export function summarize(tool, xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  return { tool, median, min: s[0], max: s.at(-1), runs: xs.length };
}

/**
 * Each tool's samples over `runs` rounds, the order rotating each round so no tool always
 * runs right after the same neighbour (page cache, CPU frequency, a bridge just set up).
 * tools: [{ tool, go: () => ms }]; a warm-up round first. Returns each tool's summary.
 */
export function interleave(tools, runs) {
  for (const t of tools) t.go();
  const samples = tools.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < tools.length; k++) {
      const j = (i + k) % tools.length;
      samples[j].push(tools[j].go());
    }
  }
  return tools.map((t, j) => summarize(t.tool, samples[j]));
}

/** The printed section of a module whose rows are summarize()'s. */
export function formatStats(report) {
  const lines = report.rows.map((r) => `  ${r.tool.padEnd(16)} median ${r.median.toFixed(1).padStart(7)} ms  (${r.min.toFixed(0)}–${r.max.toFixed(0)})`);
  return [report.title, ...lines, `  ${report.summary}`].join('\n');
}

/** Run to completion, throwing with its stderr on failure; returns wall milliseconds. */
export function timed(cmd, args, env = process.env) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').at(-1)}`);
  return ms;
}

export function must(cmd, args, env = process.env) {
  return execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** minibox with its own state root, busybox loaded. */
export function miniboxEngine(tmp) {
  const env = { ...process.env, MINIBOX_ROOT: path.join(tmp, 'minibox-root') };
  must(process.execPath, [MINIBOX, 'load', '-q', '-i', BUSYBOX_LAYOUT], env);
  return {
    env,
    run: (args) => timed(process.execPath, [MINIBOX, ...args], env),
    out: (args) => must(process.execPath, [MINIBOX, ...args], env),
  };
}

/** podman with the busybox image loaded, or a reason why it cannot be measured here. */
export function podmanEngine(tmp) {
  if (!have('podman') || !have('skopeo')) return { problem: 'podman or skopeo not installed' };
  try {
    const archive = path.join(tmp, 'busybox.oci.tar');
    must('skopeo', ['copy', '-q', `oci:${BUSYBOX_LAYOUT}`, `oci-archive:${archive}:${PODMAN_IMAGE}`]);
    must('podman', ['load', '-q', '-i', archive]);
    fs.rmSync(archive, { force: true });
    return {
      run: (args) => timed('podman', [...PODMAN, ...args]),
      out: (args) => must('podman', [...PODMAN, ...args]),
      close: () => spawnSync('podman', ['rmi', '-f', PODMAN_IMAGE], { stdio: 'ignore' }),
    };
  } catch (err) {
    return { problem: `podman could not run here: ${String(err.message ?? err).split('\n')[0]}` };
  }
}

/**
 * An OCI bundle of busybox for runc and crun (umoci unpack), its process replaced by `args`
 * and without a terminal; its network namespace is a new one, as minibox's --network none.
 */
export function busyboxBundle(tmp, args) {
  if (!have('umoci')) return { problem: 'umoci not installed' };
  const bundle = path.join(tmp, 'bundle');
  must('umoci', ['unpack', '--image', `${BUSYBOX_LAYOUT}:latest`, bundle]);
  const configPath = path.join(bundle, 'config.json');
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  config.process.args = args;
  config.process.terminal = false;
  fs.writeFileSync(configPath, JSON.stringify(config));
  return { bundle };
}
