import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { MiniboxError } from '../../util/errors.js';

/**
 * `minibox lab`: the labs of examples/, listed, run step by step (with another engine beside
 * minibox when asked), or rendered as their README. Exit status: 0 every step met its
 * expectations, 1 some step did not, 2 the lab could not run (usage, an engine missing, a
 * `needs:` not met), 130 after Ctrl-C. examples/run-lab.sh is a wrapper of this command.
 */
interface LabFlags {
  list?: boolean;
  readme?: boolean;
  engine: string;
  compare?: string;
  interactive?: boolean;
  nonInteractive?: boolean;
}

export function defineLab(program: Command): void {
  program
    .command('lab')
    .description('List the labs of examples/, or run one step by step (--compare docker|podman: side by side)')
    .argument('[name]', "a lab's folder (03-cgroups), number (3), topic (cgroups) or path (./my-lab)")
    .option('--list', 'the labs, one a line (also without NAME)')
    .option('--compare <engine>', 'run each step with podman or docker too, and show both results side by side')
    .option('--engine <engine>', 'the engine that runs the steps', 'minibox')
    .option('--interactive', 'wait for Enter before each step (default on a terminal)')
    .option('--non-interactive', 'run straight through (CI)')
    .option('--readme', "print the lab's README.md, rendered from its steps file")
    .addHelpText(
      'after',
      '\nEnvironment: MINIBOX, PODMAN, PODMAN_RUN_FLAGS, DOCKER (the engines\' commands), LAB_PORT (the first host port),\n' +
        "LAB_RESULTS (a directory: results.tsv and each step's output), LAB_MAX_LINES (lines of output shown), what a lab needs:.",
    )
    // a usage error is "the lab could not run" (2), as the runner's other refusals
    .exitOverride((err: CommanderError) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') throw err;
      throw new MiniboxError("see 'minibox lab --help'", 2);
    })
    .action(labCommand);
}

const isEngine = (e: string): e is 'minibox' | 'podman' | 'docker' => e === 'minibox' || e === 'podman' || e === 'docker';

export async function labCommand(name: string | undefined, flags: LabFlags): Promise<void> {
  const { examplesDir, checkoutDir, findLab, labNames, readLab } = await import('../lab/catalog.js');
  if (flags.list || (!name && !flags.readme)) {
    const examples = examplesDir();
    for (const d of labNames(examples)) process.stdout.write(`${d.padEnd(18)} ${readLab(`${examples}/${d}`).lab.title}\n`);
    return;
  }
  if (!name) throw new MiniboxError('--readme needs a lab (minibox lab --list shows them)', 2);
  const found = findLab(name);
  if (flags.readme) {
    const { renderReadme } = await import('../lab/readme.js');
    process.stdout.write(renderReadme(found.lab, found.name));
    return;
  }
  for (const e of [flags.engine, flags.compare]) {
    if (e !== undefined && !isEngine(e)) throw new MiniboxError(`unknown engine '${e}' (one of: minibox podman docker)`, 2);
  }
  const primary = flags.engine as 'minibox' | 'podman' | 'docker';
  const compare = flags.compare as typeof primary | undefined;
  if (compare === primary) throw new MiniboxError(`--compare ${compare} is the engine that runs the lab already`, 2);
  const firstPort = process.env.LAB_PORT ? Number(process.env.LAB_PORT) : undefined;
  if (firstPort !== undefined && !(Number.isInteger(firstPort) && firstPort > 0 && firstPort < 65535)) {
    throw new MiniboxError(`LAB_PORT=${process.env.LAB_PORT}: not a port number`, 2);
  }
  const maxLines = Number(process.env.LAB_MAX_LINES || '30');
  const { runLab } = await import('../lab/runner.js');
  process.exitCode = await runLab(found, {
    primary,
    ...(compare ? { compare } : {}),
    interactive: flags.nonInteractive ? false : (flags.interactive ?? (process.stdin.isTTY === true && process.stdout.isTTY === true)),
    checkout: checkoutDir(),
    ...(process.env.LAB_RESULTS ? { resultsDir: process.env.LAB_RESULTS } : {}),
    ...(firstPort !== undefined ? { firstPort } : {}),
    maxLines: Number.isInteger(maxLines) && maxLines > 0 ? maxLines : 30,
  });
}
