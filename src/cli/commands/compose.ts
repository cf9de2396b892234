/**
 * `minibox compose [-f FILE]… [-p NAME] [--project-directory DIR] [--env-file FILE]…
 * [--profile P]… COMMAND`: Docker Compose's command line over minibox's engine. Each
 * subcommand loads the project (engine/compose re-exports the loader), prints its warnings
 * on stderr as Compose does, and calls the engine; nothing here runs containers itself.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { MiniboxError } from '../../util/errors.js';
import { collect } from '../options.js';
import type { ComposeProject, ProjectContainer } from '../../engine/compose/index.js';

interface GlobalOpts {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
  ansi: string;
}

type Engine = typeof import('../../engine/compose/index.js');

async function engine(): Promise<Engine> {
  return import('../../engine/compose/index.js');
}

function globals(cmd: Command): GlobalOpts {
  let c: Command | null = cmd;
  while (c && c.name() !== 'compose') c = c.parent;
  return (c?.opts() ?? {}) as GlobalOpts;
}

async function loadFor(cmd: Command) {
  const g = globals(cmd);
  const { loadProject } = await engine();
  const project = loadProject({
    cwd: process.cwd(),
    files: g.file,
    ...(g.projectName ? { projectName: g.projectName } : {}),
    ...(g.projectDirectory ? { projectDirectory: g.projectDirectory } : {}),
    envFiles: g.envFile,
    profiles: g.profile,
    environ: process.env,
  });
  for (const w of project.warnings) process.stderr.write(`WARN[0000] ${w}\n`);
  return project;
}

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Log lines to our stdout or stderr, as the container wrote them. */
const emitLog = (prefix: string, stream: 'stdout' | 'stderr', line: string): void => {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefix}${line}\n`);
};

/** Whether log prefixes are coloured: --ansi, by default only when stdout is a terminal. */
async function colorFor(cmd: Command, noColor = false): Promise<boolean> {
  const { parseAnsiMode, useColor } = await engine();
  const mode = parseAnsiMode(globals(cmd).ansi ?? 'auto');
  return !noColor && useColor(mode, process.stdout.isTTY === true);
}

/** A whole-number option; commander names the option and the value in its error line. */
const intArg = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('a whole number is needed.');
  return Number(v);
};

export function defineCompose(program: Command): void {
  const compose = program
    .command('compose')
    .description('Define and run multi-container applications (Docker Compose)')
    .option('-f, --file <file>', 'Compose configuration files', collect, [])
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Specify an alternate working directory (default: the path of the first Compose file)')
    .option('--env-file <file>', 'Specify an alternate environment file', collect, [])
    .option('--profile <profile>', 'Specify a profile to enable', collect, [])
    .option('--ansi <when>', 'Control when to print ANSI control characters ("never"|"always"|"auto")', 'auto');

  compose
    .command('config')
    .description('Parse, resolve and render compose file in canonical format')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything', false)
    .option('--services', 'Print the service names, one per line', false)
    .action(async (opts: { quiet: boolean; services: boolean }, cmd: Command) => {
      const project = await loadFor(cmd);
      if (opts.quiet) return;
      if (opts.services) {
        for (const s of Object.keys(project.services)) process.stdout.write(`${s}\n`);
        return;
      }
      const { projectYaml } = await engine();
      process.stdout.write(projectYaml(project));
    });

  compose
    .command('build')
    .description('Build or rebuild services')
    .argument('[service...]')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image', false)
    .action(async (services: string[], opts: { cache: boolean; pull: boolean }, cmd: Command) => {
      const project = await loadFor(cmd);
      const { buildServices } = await engine();
      await buildServices(project, { services, noCache: !opts.cache, pull: opts.pull }, (l) => process.stdout.write(`${l}\n`));
    });

  compose
    .command('up')
    .description('Create and start containers')
    .argument('[service...]')
    .option('-d, --detach', 'Detached mode: Run containers in the background', false)
    .option('--build', 'Build images before starting containers', false)
    .option('--force-recreate', "Recreate containers even if their configuration and image haven't changed", false)
    .option('--no-deps', "Don't start linked services")
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file', false)
    .option('--wait', 'Wait for services to be running|healthy. Implies detached mode.', false)
    .option('--wait-timeout <seconds>', 'Maximum duration in seconds to wait for the project to be running|healthy', intArg)
    .option('-t, --timeout <seconds>', 'Use this timeout in seconds for container shutdown when containers are already running', intArg)
    .action(async (services: string[], opts: { detach: boolean; build: boolean; forceRecreate: boolean; deps: boolean; removeOrphans: boolean; wait: boolean; waitTimeout?: number; timeout?: number }, cmd: Command) => {
      const project = await loadFor(cmd);
      const e = await engine();
      const upOpts = {
        services,
        build: opts.build,
        forceRecreate: opts.forceRecreate,
        noDeps: !opts.deps,
        removeOrphans: opts.removeOrphans,
        wait: opts.wait,
        ...(opts.waitTimeout !== undefined ? { waitTimeout: opts.waitTimeout } : {}),
        ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
      };
      if (opts.detach || opts.wait) {
        await e.up(project, upOpts, say);
        return;
      }
      // attached: prefixed logs until the containers stop; Ctrl-C stops them, a second kills
      process.exitCode = await e.attachedUp(project, upOpts, await colorFor(cmd), emitLog, say);
    });

  compose
    .command('down')
    .description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers', false)
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file', false)
    .option('--rmi <type>', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', intArg)
    .action(async (opts: { volumes: boolean; removeOrphans: boolean; rmi?: string; timeout?: number }, cmd: Command) => {
      const project = await loadFor(cmd);
      const { down, parseRmi } = await engine();
      const rmi = opts.rmi !== undefined ? parseRmi(opts.rmi) : undefined;
      await down(project, { volumes: opts.volumes, removeOrphans: opts.removeOrphans, ...(rmi ? { rmi } : {}), ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) }, say);
    });

  compose
    .command('ps')
    .description('List containers')
    .argument('[service...]')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)', false)
    .option('-q, --quiet', 'Only display IDs', false)
    .action(async (services: string[], opts: { all: boolean; quiet: boolean }, cmd: Command) => {
      const project = await loadFor(cmd);
      const { psRows } = await engine();
      const rows = await psRows(project, opts.all, services);
      if (opts.quiet) {
        for (const r of rows) process.stdout.write(`${r.state.id}\n`);
        return;
      }
      const { formatTable } = await import('../format/table.js');
      const { ago } = await import('../format/duration.js');
      const { statusText } = await import('./containers.js');
      const { terminalSafe } = await import('../format/terminal-safe.js');
      const table = rows.map((r) => [r.name, r.image, `"${r.command.length > 20 ? `${r.command.slice(0, 19)}…` : r.command}"`, r.service, ago(r.created), statusText(r.state), r.ports].map(terminalSafe));
      process.stdout.write(formatTable(['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'], table));
    });

  compose
    .command('logs')
    .description('View output from containers')
    .argument('[service...]')
    .option('-f, --follow', 'Follow log output', false)
    .option('-n, --tail <lines>', 'Number of lines to show from the end of the logs for each container', 'all')
    .option('--no-color', 'Produce monochrome output')
    .action(async (services: string[], opts: { follow: boolean; tail: string; color: boolean }, cmd: Command) => {
      const project = await loadFor(cmd);
      const { projectLogs } = await engine();
      await projectLogs(project, services, { follow: opts.follow, tail: opts.tail, color: await colorFor(cmd, !opts.color) }, emitLog);
    });

  compose
    .command('exec')
    .description('Execute a command in a running container')
    .usage('[options] SERVICE COMMAND [ARGS...]')
    .argument('<service>')
    .argument('<command...>')
    .option('-d, --detach', 'Detached mode: Run command in the background', false)
    .option('-T, --no-TTY', 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.')
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('-u, --user <user>', 'Run the command as this user')
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command')
    .option('--index <n>', 'Index of the container if service has multiple replicas', intArg, 1)
    .passThroughOptions()
    .action(async (service: string, command: string[], opts: { detach: boolean; TTY: boolean; env: string[]; user?: string; workdir?: string; index: number }, cmd: Command) => {
      const project = await loadFor(cmd);
      const { execService } = await engine();
      process.exitCode = await execService(project, {
        service,
        command,
        index: opts.index,
        detach: opts.detach,
        // a TTY only when there is a terminal to give it (Compose: -T is the default then)
        tty: opts.TTY && process.stdin.isTTY === true,
        env: opts.env,
        user: opts.user,
        workdir: opts.workdir,
      });
    });

  compose
    .command('run')
    .description('Run a one-off command on a service')
    .usage('[options] SERVICE [COMMAND] [ARGS...]')
    .argument('<service>')
    .argument('[command...]')
    .option('-d, --detach', 'Run container in background and print container ID', false)
    .option('--rm', 'Automatically remove the container when it exits', false)
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image')
    .option('--no-deps', "Don't start linked services")
    .option('-T, --no-TTY', 'Disable pseudo-TTY allocation (default: auto-detected)')
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .passThroughOptions()
    .action(async (service: string, command: string[], opts: { detach: boolean; rm: boolean; env: string[]; entrypoint?: string; deps: boolean; TTY: boolean; user?: string; workdir?: string }, cmd: Command) => {
      const project = await loadFor(cmd);
      const e = await engine();
      process.exitCode = await e.runService(
        project,
        {
          service,
          command,
          ...(opts.entrypoint !== undefined ? { entrypoint: e.shellSplit(opts.entrypoint) } : {}),
          env: opts.env,
          rm: opts.rm,
          noDeps: !opts.deps,
          detach: opts.detach,
          tty: !opts.detach && opts.TTY && process.stdin.isTTY === true,
          interactive: !opts.detach,
          user: opts.user,
          workdir: opts.workdir,
        },
        say,
      );
    });

  /** A command over `[service...]`; `withTimeout` gives it Compose's `-t, --timeout` (stop, restart). */
  const serviceCommand = (
    name: string,
    description: string,
    run: (e: Engine, project: ComposeProject, services: string[], opts: { timeout?: number }) => Promise<void>,
    withTimeout = false,
  ) => {
    const c = compose.command(name).description(description).argument('[service...]');
    if (withTimeout) c.option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds', intArg);
    return c.action(async (services: string[], opts: { timeout?: number }, cmd: Command) => {
      const project = await loadFor(cmd);
      await run(await engine(), project, services, opts);
    });
  };
  serviceCommand('pull', 'Pull service images', (e, project, services) => e.pullServices(project, services, say));
  serviceCommand('push', 'Push service images', (e, project, services) => e.pushServices(project, services, say));

  compose
    .command('ls')
    .description('List running compose projects')
    .option('-a, --all', 'Show all stopped Compose projects', false)
    .option('--format <format>', 'Format the output. Values: [table | json]', 'table')
    .option('-q, --quiet', 'Only display project names', false)
    .action(async (opts: { all: boolean; format: string; quiet: boolean }) => {
      const { listProjects } = await engine();
      if (opts.format !== 'table' && opts.format !== 'json') throw new MiniboxError(`format value "${opts.format}" could not be parsed: use table or json`, 1);
      const rows = await listProjects(opts.all);
      if (opts.quiet) {
        for (const r of rows) process.stdout.write(`${r.Name}\n`);
        return;
      }
      if (opts.format === 'json') {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      const { formatTable } = await import('../format/table.js');
      process.stdout.write(formatTable(['NAME', 'STATUS', 'CONFIG FILES'], rows.map((r) => [r.Name, r.Status, r.ConfigFiles])));
    });

  /** stop / start / restart: `fn` on each container of the services; true when it did something to say. */
  const each = (name: string, description: string, verb: string, timeout: boolean, fn: (e: Engine, c: ProjectContainer, wait: { seconds?: number }) => Promise<boolean>) =>
    serviceCommand(
      name,
      description,
      (e, project, services, opts) =>
        e.eachContainer(project, services, async (pc) => {
          if (await fn(e, pc, e.stopWait(project.services[pc.labels[e.LABEL.service] ?? ''], opts.timeout))) say(` Container ${pc.name}  ${verb}`);
        }),
      timeout,
    );
  each('stop', 'Stop services', 'Stopped', true, async (e, c, wait) => {
    if (!c.running) return false;
    await e.stopContainer(c.id, wait);
    return true;
  });
  each('start', 'Start services', 'Started', false, async (e, c) => {
    if (c.running) return false;
    await e.startContainer(c.id);
    return true;
  });
  each('restart', 'Restart service containers', 'Restarted', true, async (e, c, wait) => {
    await e.restartContainer(c.id, wait.seconds);
    return true;
  });
  compose
    .command('rm')
    .description('Removes stopped service containers')
    .argument('[service...]')
    .option('-f, --force', "Don't ask to confirm removal", false)
    .option('-s, --stop', 'Stop the containers, if required, before removing', false)
    .action(async (services: string[], opts: { force: boolean; stop: boolean }, cmd: Command) => {
      const project = await loadFor(cmd);
      const e = await engine();
      await e.eachContainer(project, services, async (c) => {
        if (c.running && !opts.stop) return;
        await e.removeContainer(c.id, true);
        say(` Container ${c.name}  Removed`);
      });
    });
}
