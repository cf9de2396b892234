// Run latency without a network: `minibox run --rm --network none busybox true` against
// `runc run` of the same image's bundle (the floor: no image store, no CLI), crun where it
// runs (1.8 refuses hybrid cgroup hosts: then the case says so), and
// `podman --runtime runc run --rm --network none`. Rounds interleave the tools; medians.
//
//   node bench/run-none.mjs [--runs 11]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioCase } from './report/cases.mjs';
import { PODMAN_IMAGE, PODMAN_RUN_FLAGS, busyboxBundle, have, formatStats, interleave, miniboxEngine, podmanEngine, timed } from './engines.mjs';

export const name = 'run-none';
export const title = 'run --rm --network none busybox true: minibox vs runc, crun, podman (runc)';

export async function run(options = {}) {
  const runs = Number(options.runs ?? 11);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-none-'));
  const problems = [];
  let podman;
  try {
    const mb = miniboxEngine(tmp);
    const tools = [{ tool: 'minibox', go: () => mb.run(['run', '--rm', '--network', 'none', 'busybox', 'true']) }];
    const b = busyboxBundle(tmp, ['true']);
    if (b.problem) problems.push(b.problem);
    let n = 0;
    for (const rt of ['runc', 'crun']) {
      if (b.problem) break;
      if (!have(rt)) {
        problems.push(`${rt} not installed`);
        continue;
      }
      const root = path.join(tmp, `${rt}-state`);
      const go = () => timed(rt, ['--root', root, 'run', '--bundle', b.bundle, `bench-${rt}-${n++}`]);
      try {
        go();
        tools.push({ tool: rt, go });
      } catch (err) {
        problems.push(`${rt} refuses this host: ${String(err.message).split('\n')[0].slice(0, 160)}`);
      }
    }
    podman = podmanEngine(tmp);
    if (podman.problem) problems.push(podman.problem);
    else {
      const args = ['run', '--rm', '--network', 'none', ...PODMAN_RUN_FLAGS, PODMAN_IMAGE, 'true'];
      podman.run(args);
      tools.push({ tool: 'podman (runc)', go: () => podman.run(args) });
    }
    const stats = interleave(tools, runs);
    const [subject, ...refs] = stats;
    const cases = refs.map((ref) =>
      ratioCase(`run-none-vs-${ref.tool.split(' ')[0]}`, 'run', 'run --rm --network none busybox true', subject, ref),
    );
    const summary = [...cases.map((c) => `minibox/${c.reference.tool} = ${c.ratio.toFixed(2)}`), ...problems].join('; ');
    return { name, title, config: { runs }, rows: stats, cases, problems, summary };
  } finally {
    podman?.close?.();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export const format = formatStats;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' } } });
  console.log(format(await run(values)));
}
