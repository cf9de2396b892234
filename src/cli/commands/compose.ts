/**
 * `minibox compose [-f FILE]… [-p NAME] [--project-directory DIR] [--env-file FILE]…
 * [--profile P]… COMMAND`: Docker Compose's command line over minibox's engine. Each
 * subcommand loads the project (engine/compose re-exports the loader), prints its warnings
 * on stderr as Compose does, and calls the engine; nothing here runs containers itself.
 */
import type { Command } from 'commander';

interface GlobalOpts {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  envFile: string[];
  profile: string[];
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

async function engine() {
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

export function defineCompose(program: Command): void {
  const compose = program
    .command('compose')
    .description('Define and run multi-container applications (Docker Compose)')
    .option('-f, --file <file>', 'Compose configuration files', collect, [])
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Specify an alternate working directory (default: the path of the first Compose file)')
    .option('--env-file <file>', 'Specify an alternate environment file', collect, [])
    .option('--profile <profile>', 'Specify a profile to enable', collect, []);

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
    .action(async (services: string[], opts: { detach: boolean; build: boolean; forceRecreate: boolean; deps: boolean; removeOrphans: boolean }, cmd: Command) => {
      const project = await loadFor(cmd);
      const e = await engine();
      await e.up(project, { services, build: opts.build, forceRecreate: opts.forceRecreate, noDeps: !opts.deps, removeOrphans: opts.removeOrphans }, say);
      if (!opts.detach) {
        // attached: the logs followed until the containers stop; Ctrl-C leaves them running
        // (Docker's Compose stops them then; not done yet)
        await e.projectLogs(project, services, { follow: true }, (prefix, stream, line) => (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefix}${line}\n`));
      }
    });

  compose
    .command('down')
    .description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers', false)
    .option('--remove-orphans', 'Remove containers for services not defined in the Compose file', false)
    .action(async (opts: { volumes: boolean; removeOrphans: boolean }, cmd: Command) => {
      const project = await loadFor(cmd);
      const { down } = await engine();
      await down(project, { volumes: opts.volumes, removeOrphans: opts.removeOrphans }, say);
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
    .action(async (services: string[], opts: { follow: boolean; tail: string }, cmd: Command) => {
      const project = await loadFor(cmd);
      const { projectLogs } = await engine();
      await projectLogs(project, services, { follow: opts.follow, tail: opts.tail }, (prefix, stream, line) =>
        (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefix}${line}\n`),
      );
    });

  const each = (name: string, description: string, verb: string, fn: (e: Awaited<ReturnType<typeof engine>>, c: { id: string; running: boolean }) => Promise<boolean>) =>
    compose
      .command(name)
      .description(description)
      .argument('[service...]')
      .action(async (services: string[], _opts: unknown, cmd: Command) => {
        const project = await loadFor(cmd);
        const e = await engine();
        await e.eachContainer(project, services, async (c) => {
          if (await fn(e, c)) say(` Container ${c.name}  ${verb}`);
        });
      });
  each('stop', 'Stop services', 'Stopped', async (e, c) => {
    if (!c.running) return false;
    await e.stopContainer(c.id, {});
    return true;
  });
  each('start', 'Start services', 'Started', async (e, c) => {
    if (c.running) return false;
    await e.startContainer(c.id);
    return true;
  });
  each('restart', 'Restart service containers', 'Restarted', async (e, c) => {
    await e.restartContainer(c.id);
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
