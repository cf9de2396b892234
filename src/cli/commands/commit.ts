import type { Command } from 'commander';
import { collect, parseBoolFlag } from '../options.js';

/**
 * `docker commit [-a author] [-m message] [-c change]... [-p=true] CONTAINER [REPOSITORY[:TAG]]`:
 * prints the new image's ID (`sha256:<hex>`).
 */
export function defineCommit(program: Command): void {
  program
    .command('commit')
    .description("Create a new image from a container's changes")
    .argument('<container>')
    .argument('[repository]', 'REPOSITORY[:TAG] for the new image')
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect, [])
    .option('-m, --message <string>', 'Commit message')
    .option('-p, --pause [bool]', 'Pause container during commit', parseBoolFlag, true)
    .action(commitCommand);
}

interface CommitFlags {
  author?: string;
  change: string[];
  message?: string;
  pause: boolean;
}

export async function commitCommand(container: string, repository: string | undefined, flags: CommitFlags): Promise<void> {
  const { commitContainer } = await import('../../engine/commit.js');
  const id = await commitContainer(container, {
    changes: flags.change,
    pause: flags.pause,
    ...(flags.author !== undefined ? { author: flags.author } : {}),
    ...(flags.message !== undefined ? { message: flags.message } : {}),
    ...(repository !== undefined ? { repository } : {}),
  });
  process.stdout.write(`${id}\n`);
}
