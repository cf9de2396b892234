import type { Command } from 'commander';
import { MiniboxError, describe } from '../../util/errors.js';

/**
 * `minibox push [-a] [-q] NAME[:TAG]`, printed as Docker's CLI prints a push
 * (progress/push.ts): on a terminal each layer's line redrawn in place with its byte bar,
 * otherwise each layer's state once (`<id>: Preparing`, `Pushed`, `Layer already exists`,
 * `Mounted from …`); then `<tag>: digest: sha256:… size: N`. With -q only the pushed name.
 * Failures exit 1 with one line.
 */
export function definePush(program: Command): void {
  program
    .command('push')
    .description('Upload an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-a, --all-tags', 'Push all tags of an image to the repository', false)
    .option('-q, --quiet', 'Suppress verbose output', false)
    .action(pushCommand);
}

export async function pushCommand(name: string, opts: { allTags?: boolean; quiet?: boolean }): Promise<void> {
  const { push } = await import('../../engine/push.js');
  const { pushRendererFor } = await import('../progress/push.js');
  const quiet = opts.quiet === true;
  const renderer = pushRendererFor(process.stdout, quiet);
  try {
    const result = await push({ name, allTags: opts.allTags === true, onEvent: (e) => renderer.onEvent(e) });
    renderer.close();
    if (quiet) process.stdout.write(`${result.name}\n`);
  } catch (err) {
    renderer.close();
    // Docker's CLI exits 1 for a failed push, whatever went wrong
    if (err instanceof MiniboxError) throw err.exitCode === 1 ? err : new MiniboxError(err.message, 1, { cause: err });
    throw new MiniboxError(describe(err), 1, { cause: err });
  }
}
