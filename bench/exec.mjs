// exec latency: `minibox exec C true` into a running busybox container against
// `podman --runtime runc exec C true`, rounds alternating; medians (min–max).
//
//   node bench/exec.mjs [--runs 11]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioCase } from './report/cases.mjs';
import { PODMAN_IMAGE, PODMAN_RUN_FLAGS, formatStats, interleave, miniboxEngine, podmanEngine } from './engines.mjs';

export const name = 'exec';
export const title = 'exec C true into a running container: minibox vs podman (runc)';

export async function run(options = {}) {
  const runs = Number(options.runs ?? 11);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-exec-'));
  let podman;
  const started = [];
  try {
    const mb = miniboxEngine(tmp);
    const mbId = mb.out(['run', '-d', '--network', 'none', 'busybox', 'sleep', '3600']).trim();
    started.push(() => mb.out(['rm', '-f', mbId]));
    const tools = [{ tool: 'minibox', go: () => mb.run(['exec', mbId, 'true']) }];
    podman = podmanEngine(tmp);
    if (!podman.problem) {
      const pmId = podman.out(['run', '-d', '--network', 'none', ...PODMAN_RUN_FLAGS, PODMAN_IMAGE, 'sleep', '3600']).trim();
      started.push(() => podman.out(['rm', '-f', '-t', '0', pmId]));
      tools.push({ tool: 'podman (runc)', go: () => podman.run(['exec', pmId, 'true']) });
    }
    const rows = interleave(tools, runs);
    const cases = rows.length > 1 ? [ratioCase('exec-vs-podman', 'run', 'exec C true', rows[0], rows[1])] : [];
    const summary = cases.length ? `minibox/podman = ${cases[0].ratio.toFixed(2)}` : podman.problem;
    return { name, title, config: { runs }, rows, cases, summary };
  } finally {
    for (const stop of started.reverse()) {
      try {
        stop();
      } catch {
        /* best effort: the report's error is the one that matters */
      }
    }
    podman?.close?.();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export const format = formatStats;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' } } });
  console.log(format(await run(values)));
}
