import type { Command } from 'commander';

export function defineDiff(program: Command): void {
  program
    .command('diff')
    .description("Inspect changes to files or directories on a container's filesystem")
    .argument('<container>')
    .action(diffCommand);
}

/** `docker diff`: one `A|C|D /path` line per change, sorted by path. */
export async function diffCommand(ref: string): Promise<void> {
  const { containerDiff } = await import('../../engine/diff.js');
  const changes = await containerDiff(ref);
  process.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(''));
}
