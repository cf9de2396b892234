import { Command, CommanderError, Option } from 'commander';
import { MiniboxError } from '../util/errors.js';
import { mark } from '../util/trace.js';
import { networkOptions, registerNetworkCommands } from './network-options.js';
import { lifecycleRunOptions, registerLifecycleCommands } from './lifecycle-options.js';

/**
 * The minibox command line. Each command's code is loaded with a dynamic import() when it
 * runs, so `minibox run` pays only for what it uses (Node's start-up is most of the budget).
 * This file is the only place that prints errors and picks the process exit code.
 */

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Docker's resource flags, shared by `run` and `update`. */
function resourceOptions(cmd: Command): Command {
  return cmd
    .option('-m, --memory <bytes>', 'Memory limit')
    .option('--memory-swap <bytes>', "Swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--memory-reservation <bytes>', 'Memory soft limit')
    .option('--cpus <decimal>', 'Number of CPUs')
    .option('-c, --cpu-shares <int>', 'CPU shares (relative weight)')
    .option('--cpu-period <int>', 'Limit CPU CFS (Completely Fair Scheduler) period')
    .option('--cpu-quota <int>', 'Limit CPU CFS (Completely Fair Scheduler) quota')
    .option('--cpuset-cpus <string>', 'CPUs in which to allow execution (0-3, 0,1)')
    .option('--pids-limit <int>', 'Tune container pids limit (set -1 for unlimited)');
}

function buildProgram(): Command {
  const program = new Command('minibox')
    .description('A lightweight Linux container runtime: namespaces, overlayfs and cgroups, directly.')
    .version('0.1.0', '-v, --version')
    .showSuggestionAfterError(false)
    .exitOverride()
    .enablePositionalOptions(); // options after IMAGE belong to the container's command

  lifecycleRunOptions(networkOptions(resourceOptions(program.command('run'))))
    .description('Create and run a new container from an image')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .option('--rm', 'Automatically remove the container when it exits', false)
    .option('--name <name>', 'Assign a name to the container')
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--entrypoint <entrypoint>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-h, --hostname <name>', 'Container host name')
    .option('-i, --interactive', 'Keep STDIN open', false)
    .addOption(new Option('--pull <policy>', 'Pull image before running').choices(['missing', 'always', 'never']).default('missing'))
    .option('--platform <platform>', 'Set platform if server is multi-platform capable')
    .addOption(new Option('--help', 'Print usage').hideHelp())
    .helpOption(false)
    .passThroughOptions()
    .action(async (image: string, command: string[], opts) => {
      mark('cli: parsed');
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(image, command, opts);
    });

  program
    .command('pull')
    .description('Download an image from a registry')
    .argument('<image>')
    .option('-q, --quiet', 'Suppress verbose output', false)
    .option('--platform <platform>', 'Set platform if server is multi-platform capable')
    .action(async (image: string, opts) => {
      const { pullCommand } = await import('./commands/pull.js');
      await pullCommand(image, opts);
    });

  program
    .command('login')
    .description('Log in to a registry')
    .argument('[server]')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin', false)
    .action(async (server: string | undefined, opts) => {
      const { loginCommand } = await import('./commands/login.js');
      await loginCommand(server, opts);
    });

  program
    .command('logout')
    .description('Log out from a registry')
    .argument('[server]')
    .action(async (server: string | undefined) => {
      const { logoutCommand } = await import('./commands/login.js');
      await logoutCommand(server);
    });

  program
    .command('load')
    .description('Load an image from a tar archive or an OCI image layout')
    .requiredOption('-i, --input <path>', 'Read from tar archive file or OCI layout directory')
    .option('-q, --quiet', 'Suppress the load output', false)
    .action(async (opts) => {
      const { loadCommand } = await import('./commands/images.js');
      await loadCommand(opts);
    });

  program
    .command('images')
    .description('List images')
    .option('-q, --quiet', 'Only show image IDs', false)
    .option('--no-trunc', "Don't truncate output")
    .action(async (opts) => {
      const { imagesCommand } = await import('./commands/images.js');
      await imagesCommand(opts);
    });

  program
    .command('rmi')
    .description('Remove one or more images')
    .argument('<image...>')
    .option('-f, --force', 'Force removal of the image', false)
    .action(async (images: string[], opts) => {
      const { rmiCommand } = await import('./commands/images.js');
      process.exitCode = await rmiCommand(images, opts);
    });

  program
    .command('ps')
    .description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)', false)
    .option('-q, --quiet', 'Only display container IDs', false)
    .option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided (name=, id=, status=, ancestor=)', collect, [])
    .option('--format <template>', 'Format output using a Go-template-like string ({{.ID}} {{.Names}} ...)')
    .action(async (opts) => {
      const { psCommand } = await import('./commands/containers.js');
      await psCommand(opts);
    });

  program
    .command('rm')
    .description('Remove one or more containers')
    .argument('<container...>')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)', false)
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container', false)
    .action(async (refs: string[], opts) => {
      const { rmCommand } = await import('./commands/containers.js');
      process.exitCode = await rmCommand(refs, opts);
    });

  program
    .command('inspect')
    .description('Return low-level information on containers')
    .argument('<container...>')
    .option('-f, --format <template>', 'Format output using a Go-template-like string ({{.State.Status}} ...)')
    .action(async (refs: string[], opts) => {
      const { inspectCommand } = await import('./commands/containers.js');
      process.exitCode = await inspectCommand(refs, opts);
    });

  program
    .command('top')
    .description('Display the running processes of a container')
    .argument('<container>')
    .action(async (ref: string) => {
      const { topCommand } = await import('./commands/top.js');
      await topCommand(ref);
    });

  const container = program.command('container').description('Manage containers');
  container
    .command('prune')
    .description('Remove all stopped containers')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(async (opts) => {
      const { pruneCommand } = await import('./commands/containers.js');
      await pruneCommand(opts);
    });

  resourceOptions(program.command('update').description('Update configuration of one or more containers'))
    .argument('<container...>')
    .action(async (refs: string[], opts) => {
      const { updateCommand } = await import('./commands/resources.js');
      const { resourceFlags } = await import('./commands/run.js');
      await updateCommand(refs, resourceFlags(opts));
    });

  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .argument('[container...]')
    .option('-a, --all', 'Show all containers (default shows just running)', false)
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--format <template>', 'Format output using a Go-template-like string ({{.Name}} {{.MemUsage}} ...)')
    .option('--no-trunc', 'Do not truncate output')
    .action(async (refs: string[], opts) => {
      const { statsCommand } = await import('./commands/resources.js');
      await statsCommand(refs, { all: opts.all, noStream: opts.stream === false, format: opts.format, trunc: opts.trunc });
    });

  registerNetworkCommands(program);
  registerLifecycleCommands(program);
  return program;
}

function requireRoot(argv: string[]): void {
  const wantsHelp = argv.length <= 2 || argv.some((a) => a === '--help' || a === '-v' || a === '--version');
  if (!wantsHelp && process.getuid && process.getuid() !== 0) {
    throw new MiniboxError('minibox must run as root (namespaces, mounts and cgroups need it); try: sudo minibox ...');
  }
}

export async function main(argv: string[]): Promise<void> {
  mark('cli: main');
  process.on('exit', () => mark('process exit'));
  try {
    requireRoot(argv);
    const program = buildProgram();
    mark('cli: built');
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      // commander already printed "error: unknown option '--foo'"; Docker exits 125 here.
      process.stderr.write("See 'minibox --help'.\n");
      process.exitCode = 125;
      return;
    }
    if (err instanceof MiniboxError) {
      process.stderr.write(`minibox: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`minibox: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.MINIBOX_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 125;
  }
}
