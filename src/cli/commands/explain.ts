import type { Command } from 'commander';
import { MiniboxError } from '../../util/errors.js';

/**
 * `minibox explain CONTAINER`: the anatomy of a container on one screen — namespaces beside
 * the host's, its cgroup's limits and usage, the overlay stack, mounts, the network path of
 * each published port, capabilities and seccomp, the monitor and init pids — as a tree
 * (colour on a terminal only), and with `--svg FILE` as a diagram for a slide.
 */
export function defineExplain(program: Command): void {
  program
    .command('explain')
    .description("Show the anatomy of a container: namespaces, cgroup, layers, mounts, network path, confinement")
    .argument('<container>')
    .option('--svg <file>', 'also write the anatomy as an SVG diagram to FILE')
    .option('--json', 'print the gathered facts as JSON instead of the tree')
    .action(explainCommand);
}

export async function explainCommand(ref: string, flags: { svg?: string; json?: boolean }): Promise<void> {
  const { explainContainer } = await import('../../engine/explain.js');
  const anatomy = await explainContainer(ref);
  if (flags.svg !== undefined) {
    const [{ anatomySvg }, { writeFileAtomic }] = await Promise.all([import('../anatomy/svg.js'), import('../../util/atomic.js')]);
    const file = flags.svg;
    await writeFileAtomic(file, anatomySvg(anatomy)).catch((err: unknown) => {
      throw new MiniboxError(`cannot write the SVG to ${file}: ${err instanceof Error ? err.message : String(err)}`, 1);
    });
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(anatomy, null, 2)}\n`);
    return;
  }
  const [{ anatomyTree }, { renderTree }] = await Promise.all([import('../anatomy/describe.js'), import('../anatomy/tree.js')]);
  const lines = renderTree(anatomyTree(anatomy), { color: process.stdout.isTTY === true && !process.env.NO_COLOR });
  process.stdout.write(`${lines.join('\n')}\n`);
}
