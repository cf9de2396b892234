import type { Command } from 'commander';
import { MiniboxError, describe } from '../../util/errors.js';

export function definePull(program: Command): void {
  program
    .command('pull')
    .description('Download an image from a registry')
    .argument('<image>')
    .option('-q, --quiet', 'Suppress verbose output', false)
    .option('--platform <platform>', 'Set platform if server is multi-platform capable')
    .action(pullCommand);
}

/** `minibox pull [-q] [--platform os/arch] IMAGE`: Docker's progress, then the full name. */
export async function pullCommand(image: string, opts: { quiet?: boolean; platform?: string }): Promise<void> {
  const { pull } = await import('../../engine/pull.js');
  const { rendererFor } = await import('../progress/renderer.js');
  const renderer = rendererFor(process.stdout, opts.quiet === true);
  try {
    const result = await pull({ image, ...(opts.platform ? { platform: opts.platform } : {}), onEvent: (e) => (e.kind === 'note' ? void process.stderr.write(`${e.message}\n`) : renderer.onEvent(e)) });
    renderer.close();
    process.stdout.write(`${result.name}\n`);
  } catch (err) {
    // Docker's CLI exits 1 for a failed pull, whatever went wrong (run's implicit pull keeps 125)
    if (err instanceof MiniboxError) throw err.exitCode === 1 ? err : new MiniboxError(err.message, 1, { cause: err });
    throw new MiniboxError(describe(err), 1, { cause: err });
  } finally {
    renderer.close();
  }
}
