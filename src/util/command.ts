import { spawn } from 'node:child_process';

/**
 * Run a helper program (iptables-restore, minibox-shim's netlink subcommands) without
 * blocking the event loop, so independent kernel work overlaps: tearing down firewall
 * chains and deleting a bridge each wait ~20-40 ms on RCU grace periods in the kernel,
 * mostly asleep — run side by side they cost the longer of the two, not the sum.
 */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly notFound: boolean,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export function runCommand(cmd: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin.on('error', () => {}); // a tool that exits before reading: its status tells
    child.stdin.end(input);
    child.on('error', (err: NodeJS.ErrnoException) => reject(new CommandError(`${cmd}: ${err.message}`, err.code === 'ENOENT', '')));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new CommandError(`${cmd} ${signal ? `killed by ${signal}` : `exited with ${code}`}`, false, stderr.trim()));
    });
  });
}

/** Wait for every one of these to finish, then throw the first failure (if any): a failed
 * step must not leave its siblings running unobserved while the caller moves on. */
export async function allSettledOrThrow(work: Array<Promise<unknown> | undefined>): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
