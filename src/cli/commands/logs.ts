import type { Command } from 'commander';

export function defineLogs(program: Command): void {
  program
    .command('logs')
    .description('Fetch the logs of a container')
    .argument('<container>')
    .option('-f, --follow', 'Follow log output', false)
    .option('-n, --tail <lines>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps', false)
    .option('--since <timestamp>', 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .action(logsCommand);
}

/**
 * `logs [-f] [--tail N] [-t] [--since T]`: stdout lines to stdout, stderr lines to stderr.
 * The log content is printed raw, as Docker prints it: it is the container's own output, as
 * `run` and `attach` show it live, and a user piping it (colours, binary) wants it unchanged;
 * escaping it here would protect nothing `run` does not already show. What `logs` adds around
 * it (the timestamp column) goes through terminalSafe like every table cell.
 */
export async function logsCommand(ref: string, opts: { follow: boolean; tail?: string; timestamps: boolean; since?: string }): Promise<void> {
  const { readLogs } = await import('../../engine/logs.js');
  const { terminalSafe } = await import('../format/terminal-safe.js');
  await readLogs(
    ref,
    { follow: opts.follow, ...(opts.tail !== undefined ? { tail: opts.tail } : {}), ...(opts.since !== undefined ? { since: opts.since } : {}) },
    (e) => (e.stream === 'stderr' ? process.stderr : process.stdout).write(opts.timestamps ? `${terminalSafe(e.time)} ${e.log}` : e.log),
  );
}
