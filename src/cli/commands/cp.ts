import type { Command } from 'commander';

export function defineCp(program: Command): void {
  program
    .command('cp')
    .description('Copy files/folders between a container and the local filesystem')
    .usage('[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n       minibox cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH')
    .argument('<src>')
    .argument('<dest>')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)', false)
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH', false)
    .action(cpCommand);
}

/** `docker cp`: `-` on one side is a tar stream on stdin or stdout. */
export async function cpCommand(src: string, dest: string, opts: { archive: boolean; followLink: boolean }): Promise<void> {
  const { copy } = await import('../../engine/cp.js');
  const status = await copy(src, dest, { archive: opts.archive, followLink: opts.followLink }, process.stdin, process.stdout);
  if (status !== undefined) process.exitCode = status; // a stopped container's copy ran in the shim's namespace
}
