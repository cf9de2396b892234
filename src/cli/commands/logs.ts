/** `logs [-f] [--tail N] [-t] [--since T]`: stdout lines to stdout, stderr lines to stderr. */
export async function logsCommand(ref: string, opts: { follow: boolean; tail?: string; timestamps: boolean; since?: string }): Promise<void> {
  const { readLogs } = await import('../../engine/logs.js');
  await readLogs(
    ref,
    { follow: opts.follow, ...(opts.tail !== undefined ? { tail: opts.tail } : {}), ...(opts.since !== undefined ? { since: opts.since } : {}) },
    (e) => (e.stream === 'stderr' ? process.stderr : process.stdout).write(opts.timestamps ? `${e.time} ${e.log}` : e.log),
  );
}
