// Many detached containers: for N = 1, 10, 50, 100 (--quick: 1 and 10), start N busybox
// `sleep` containers one after another as a user's script would (`run -d`), then remove them
// all in one `rm -f`, with minibox and with podman (runc), alternating which goes first.
// Reported: time to start all and to remove all, each per container, and the memory each
// container's supervisor holds (minibox's C monitor vs podman's conmon, VmRSS). The cost per
// container must stay flat as N grows — a store or network scan per container would bend it.
// --network none for both: this measures the runtimes, not bridge setup (run-network does).
//
//   node bench/scale.mjs [--quick]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioCase, stat, valueCase } from './report/cases.mjs';
import { PODMAN_IMAGE, PODMAN_RUN_FLAGS, miniboxEngine, podmanEngine } from './engines.mjs';

export const name = 'scale';
export const title = 'N detached containers: start all, remove all, memory per container — minibox vs podman (runc)';

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const ppid = (pid) => Number(/PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

function measure(engine, who, n) {
  const ids = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const args = who === 'minibox'
        ? ['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']
        : ['run', '-d', '--network', 'none', ...PODMAN_RUN_FLAGS, PODMAN_IMAGE, 'sleep', '3600'];
      ids.push(engine.out(args).trim());
    }
    const startMs = performance.now() - t0;
    // the supervisor of each: minibox's monitor is the parent of the container's init;
    // podman names its conmon in inspect
    const supervisors = who === 'minibox'
      ? engine.out(['inspect', '-f', '{{.State.Pid}}', ...ids]).trim().split('\n').map((p) => ppid(Number(p)))
      : engine.out(['inspect', '-f', '{{.State.ConmonPid}}', ...ids]).trim().split('\n').map(Number);
    const supervisorKiB = mean(supervisors.map(rssKiB));
    const t1 = performance.now();
    engine.out(who === 'minibox' ? ['rm', '-f', ...ids] : ['rm', '-f', '-t', '0', ...ids]);
    ids.length = 0;
    return { startMs, rmMs: performance.now() - t1, supervisorKiB };
  } finally {
    if (ids.length) {
      try {
        engine.out(who === 'minibox' ? ['rm', '-f', ...ids] : ['rm', '-f', '-t', '0', ...ids]);
      } catch {
        /* the error being thrown is the one to report */
      }
    }
  }
}

export async function run(options = {}) {
  const sizes = options.quick ? [1, 10] : [1, 10, 50, 100];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-scale-'));
  let podman;
  try {
    const engines = { minibox: miniboxEngine(tmp) };
    podman = podmanEngine(tmp);
    if (!podman.problem) engines.podman = podman;
    for (const who of Object.keys(engines)) measure(engines[who], who, 1); // warm-up
    const rows = [];
    for (const [k, n] of sizes.entries()) {
      const order = k % 2 ? Object.keys(engines).reverse() : Object.keys(engines);
      for (const who of order) {
        const m = measure(engines[who], who, n);
        options.log?.(`N=${n} ${who}: start ${m.startMs.toFixed(0)} ms, rm ${m.rmMs.toFixed(0)} ms, supervisor ${m.supervisorKiB.toFixed(0)} KiB`);
        rows.push({ tool: who, n, ...m, startPerMs: m.startMs / n, rmPerMs: m.rmMs / n });
      }
    }
    const row = (who, n) => rows.find((r) => r.tool === who && r.n === n);
    const max = sizes.at(-1);
    const cases = [];
    const mb = row('minibox', max);
    if (engines.podman) {
      const pm = row('podman', max);
      cases.push(ratioCase('scale-start-vs-podman', 'scale', `start ${max} detached containers`, stat('minibox', mb.startMs), stat('podman (runc)', pm.startMs)));
      cases.push(ratioCase('scale-rm-vs-podman', 'scale', `remove ${max} containers (rm -f)`, stat('minibox', mb.rmMs), stat('podman (runc)', pm.rmMs)));
      cases.push(ratioCase('scale-supervisor-vs-conmon', 'scale', 'memory of the per-container supervisor', stat('minibox monitor', mb.supervisorKiB), stat('conmon', pm.supervisorKiB), { unit: 'KiB' }));
    }
    cases.push(valueCase('monitor-rss', 'scale', 'minibox monitor RSS per container', mb.supervisorKiB, 'KiB'));
    if (max > 10) {
      cases.push(valueCase('scale-start-linearity', 'scale', `start: cost per container at N=${max} ÷ at N=10`, mb.startPerMs / row('minibox', 10).startPerMs, '×'));
      cases.push(valueCase('scale-rm-linearity', 'scale', `rm: cost per container at N=${max} ÷ at N=10`, mb.rmPerMs / row('minibox', 10).rmPerMs, '×'));
    }
    const series = (key) => Object.keys(engines).map((who) => ({ name: who === 'podman' ? 'podman (runc)' : who, ys: sizes.map((n) => row(who, n)[key]) }));
    const charts = [
      { id: 'start', title: 'Start N detached containers: time per container', subtitle: 'flat = linear cost', xLabel: 'N containers', yLabel: 'ms per container', xs: sizes, series: series('startPerMs') },
      { id: 'rm', title: 'Remove N containers (one rm -f): time per container', subtitle: 'flat = linear cost', xLabel: 'N containers', yLabel: 'ms per container', xs: sizes, series: series('rmPerMs') },
      { id: 'supervisor', title: 'Memory of each container\'s supervisor (VmRSS)', subtitle: 'minibox: the C monitor; podman: conmon', xLabel: 'N containers', yLabel: 'KiB', xs: sizes, series: series('supervisorKiB') },
    ];
    const summary = engines.podman
      ? `at N=${max}: start ${cases[0].ratio.toFixed(2)}× podman, rm ${cases[1].ratio.toFixed(2)}×, supervisor ${mb.supervisorKiB.toFixed(0)} vs ${row('podman', max).supervisorKiB.toFixed(0)} KiB`
      : podman.problem;
    return { name, title, config: { sizes, network: 'none' }, rows, cases, charts, summary };
  } finally {
    podman?.close?.();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function format(report) {
  const lines = report.rows.map(
    (r) => `  ${r.tool.padEnd(8)} N=${String(r.n).padEnd(4)} start ${r.startMs.toFixed(0).padStart(6)} ms (${r.startPerMs.toFixed(1)}/ctr)  rm ${r.rmMs.toFixed(0).padStart(6)} ms (${r.rmPerMs.toFixed(1)}/ctr)  supervisor ${r.supervisorKiB.toFixed(0)} KiB`,
  );
  return [report.title, ...lines, `  ${report.summary}`].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
  console.log(format(await run({ ...values, log: (s) => process.stderr.write(`${s}\n`) })));
}
