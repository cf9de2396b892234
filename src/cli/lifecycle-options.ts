import type { Command } from 'commander';

/**
 * The lifecycle half of the command line (issue #4): run's -d/-t/--restart, and
 * stop, kill, start, restart, wait, logs, exec. Each command loads its code on use.
 */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export interface LifecycleRunOptions {
  detach?: boolean;
  tty?: boolean;
  restart?: string;
}

export function lifecycleRunOptions(cmd: Command): Command {
  return cmd
    .option('-d, --detach', 'Run container in background and print container ID', false)
    .option('-t, --tty', 'Allocate a pseudo-TTY', false)
    .option('--restart <policy>', 'Restart policy to apply when a container exits (no, on-failure[:max-retries], always, unless-stopped)', 'no');
}

export function registerLifecycleCommands(program: Command): void {
  program
    .command('stop')
    .description('Stop one or more running containers')
    .argument('<container...>')
    .option('-t, --time <seconds>', 'Seconds to wait before killing the container')
    .option('-s, --signal <signal>', 'Signal to send to the container')
    .action(async (refs: string[], opts) => {
      const { stopCommand } = await import('./commands/lifecycle.js');
      process.exitCode = await stopCommand(refs, opts);
    });
  program
    .command('kill')
    .description('Kill one or more running containers')
    .argument('<container...>')
    .option('-s, --signal <signal>', 'Signal to send to the container', 'SIGKILL')
    .action(async (refs: string[], opts) => {
      const { killCommand } = await import('./commands/lifecycle.js');
      process.exitCode = await killCommand(refs, opts);
    });
  program
    .command('start')
    .description('Start one or more stopped containers')
    .argument('<container...>')
    .option('-a, --attach', "Attach STDOUT/STDERR and forward signals", false)
    .option('-i, --interactive', "Attach container's STDIN", false)
    .action(async (refs: string[], opts) => {
      const { startCommand } = await import('./commands/lifecycle.js');
      process.exitCode = await startCommand(refs, opts);
    });
  program
    .command('restart')
    .description('Restart one or more containers')
    .argument('<container...>')
    .option('-t, --time <seconds>', 'Seconds to wait before killing the container')
    .action(async (refs: string[], opts) => {
      const { restartCommand } = await import('./commands/lifecycle.js');
      process.exitCode = await restartCommand(refs, opts);
    });
  program
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<container...>')
    .action(async (refs: string[]) => {
      const { waitCommand } = await import('./commands/lifecycle.js');
      process.exitCode = await waitCommand(refs);
    });
  program
    .command('logs')
    .description('Fetch the logs of a container')
    .argument('<container>')
    .option('-f, --follow', 'Follow log output', false)
    .option('-n, --tail <lines>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps', false)
    .option('--since <timestamp>', 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .action(async (ref: string, opts) => {
      const { logsCommand } = await import('./commands/logs.js');
      await logsCommand(ref, opts);
    });
  program
    .command('exec')
    .description('Execute a command in a running container')
    .usage('[OPTIONS] CONTAINER COMMAND [ARG...]')
    .argument('<container>')
    .argument('<command...>')
    .option('-d, --detach', 'Detached mode: run command in the background', false)
    .option('-i, --interactive', 'Keep STDIN open even if not attached', false)
    .option('-t, --tty', 'Allocate a pseudo-TTY', false)
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .passThroughOptions()
    .action(async (ref: string, command: string[], opts) => {
      const { execCommand } = await import('./commands/exec.js');
      process.exitCode = await execCommand(ref, command, opts);
    });
}
