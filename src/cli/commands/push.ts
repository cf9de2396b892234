import type { Command } from 'commander';
import type { PushEvent } from '../../engine/push.js';
import { MiniboxError, describe } from '../../util/errors.js';

/**
 * `minibox push [-a] [-q] NAME[:TAG]`, printed as Docker's CLI prints a push that is not on
 * a terminal: each layer's state once (`<id>: Preparing`, `Pushed`, `Layer already exists`,
 * `Mounted from …`), byte progress left out, then `<tag>: digest: sha256:… size: N`.
 * With -q only the pushed name. Failures exit 1 with one line.
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

/** The line an event prints (plain output), or undefined. */
export function pushLine(e: PushEvent, seen: Set<string>): string | undefined {
  switch (e.kind) {
    case 'default-tag':
      return `Using default tag: ${e.tag}`;
    case 'refers':
      return `The push refers to repository [${e.repository}]`;
    case 'digest':
      return `${e.tag}: digest: ${e.digest} size: ${e.size}`;
    case 'layer': {
      if (e.status === 'Pushing') return undefined;
      const key = `${e.id} ${e.status}`;
      if (seen.has(key)) return undefined;
      seen.add(key);
      return `${e.id}: ${e.status}`;
    }
  }
}

export async function pushCommand(name: string, opts: { allTags?: boolean; quiet?: boolean }): Promise<void> {
  const { push } = await import('../../engine/push.js');
  const seen = new Set<string>();
  const quiet = opts.quiet === true;
  try {
    const result = await push({
      name,
      allTags: opts.allTags === true,
      onEvent: (e) => {
        if (quiet) return;
        const line = pushLine(e, seen);
        if (line !== undefined) process.stdout.write(`${line}\n`);
      },
    });
    if (quiet) process.stdout.write(`${result.name}\n`);
  } catch (err) {
    // Docker's CLI exits 1 for a failed push, whatever went wrong
    if (err instanceof MiniboxError) throw err.exitCode === 1 ? err : new MiniboxError(err.message, 1, { cause: err });
    throw new MiniboxError(describe(err), 1, { cause: err });
  }
}
