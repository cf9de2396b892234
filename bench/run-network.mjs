// Run benchmark with networking: `minibox run --rm busybox true` on the default bridge
// network vs `podman --runtime runc run --rm busybox true` on podman's default network.
// Both from the same offline busybox OCI layout (images/busybox/out/busybox-oci): minibox
// loads it into a private MINIBOX_ROOT; podman gets it through `skopeo copy` into an
// oci-archive and `podman load`. Runs alternate per round; medians; ratio minibox/podman.
//
//   node bench/run-network.mjs [--runs 15]
//
// Needs: podman, skopeo, runc (apt-get install -y podman skopeo runc). Without podman the
// minibox row is still measured and the ratio is null.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUSYBOX_LAYOUT as layout, PODMAN_IMAGE, have, podmanEngine, repo, summarize, timed } from './engines.mjs';

export const name = 'run-network';
export const title = 'run --rm busybox true on a bridge network: minibox vs podman (runc)';

const median = (xs) => summarize('', xs).median;

export async function run(options = {}) {
  const runs = Number(options.runs ?? 15);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-net-'));
  const env = { ...process.env, MINIBOX_ROOT: path.join(tmp, 'root') };
  const mb = [path.join(repo, 'bin', 'minibox')];
  try {
    execFileSync(process.execPath, [...mb, 'load', '-q', '-i', layout], { env, stdio: 'ignore' });
    const podmanArgs = ['--runtime', 'runc', 'run', '--rm', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000', PODMAN_IMAGE, 'true'];
    // warm-up: page cache, first bridge creation, podman's network setup
    timed(process.execPath, [...mb, 'run', '--rm', 'busybox', 'true'], env);
    // podman is the reference, not the subject: if it cannot run here, minibox's row still
    // counts and the report says why there is no ratio
    const engine = podmanEngine(tmp);
    let podman = !engine.problem;
    let podmanProblem = engine.problem;
    try {
      if (podman) timed('podman', podmanArgs, process.env);
    } catch (err) {
      podman = false;
      podmanProblem = `podman could not run here: ${String(err.message ?? err).split('\n')[0]}`;
    }
    if (!podman) options.log?.(podmanProblem);
    const times = { minibox: [], podman: [] };
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? ['podman', 'minibox'] : ['minibox', 'podman'];
      for (const who of order) {
        if (who === 'minibox') times.minibox.push(timed(process.execPath, [...mb, 'run', '--rm', 'busybox', 'true'], env));
        else if (podman) times.podman.push(timed('podman', podmanArgs, process.env));
      }
    }
    const row = (label, xs) => ({ label, median_ms: median(xs), min_ms: Math.min(...xs), max_ms: Math.max(...xs), runs });
    const rows = [row('minibox run --rm busybox true (bridge)', times.minibox)];
    if (podman) rows.push(row('podman --runtime runc run --rm busybox true', times.podman));
    const ratio = podman ? rows[0].median_ms / rows[1].median_ms : null;
    return { name, title, config: { runs }, rows, ratio, summary: ratio === null ? podmanProblem : `minibox/podman = ${ratio.toFixed(2)}` };
  } finally {
    if (have('podman')) spawnSync('podman', ['rmi', '-f', PODMAN_IMAGE], { stdio: 'ignore' });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function format(report) {
  const lines = report.rows.map((r) => `  ${r.label.padEnd(48)} ${r.median_ms.toFixed(1).padStart(8)} ms`);
  return [report.title, ...lines, `  ${report.summary}`].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
  const report = await run(values);
  console.log(format(report));
}
