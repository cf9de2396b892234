import type { Command } from 'commander';
import type { ContainerState, HealthState, HealthStatus, InspectFields, OciSpec } from '../../engine/containers.js';
import { familiarImageName } from '../../engine/image-names.js';
import { securityHostConfig } from '../../engine/security-view.js';
import { processConfigView, processHostConfig } from '../../engine/process-view.js';
import { MiniboxError } from '../../util/errors.js';
import { goQuote } from '../../util/go-quote.js';
import { formatTable } from '../format/table.js';
import { ago, humanDuration } from '../format/duration.js';
import { collect } from '../options.js';
import { confirm } from '../prompt.js';

/** `ps`, `rm`, `inspect` and `container prune`, printed as Docker prints them. */
const engine = () => import('../../engine/containers.js');

export function definePs(program: Command): void {
  program
    .command('ps')
    .description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)', false)
    .option('-q, --quiet', 'Only display container IDs', false)
    .option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided (name=, id=, status=, ancestor=, health=, label=)', collect, [])
    .option('--format <template>', 'Format output using a Go-template-like string ({{.ID}} {{.Names}} ...)')
    .action(psCommand);
}

export function defineRm(program: Command): void {
  program
    .command('rm')
    .description('Remove one or more containers')
    .argument('<container...>')
    .option('-f, --force', 'Force the removal of a running container (uses SIGKILL)', false)
    .option('-v, --volumes', 'Remove anonymous volumes associated with the container', false)
    .action(async (refs: string[], opts: { force: boolean; volumes: boolean }) => {
      process.exitCode = await rmCommand(refs, opts);
    });
}

export function defineInspect(program: Command): void {
  program
    .command('inspect')
    .description('Return low-level information on Docker objects (containers, else images, networks, volumes)')
    .argument('<name|id...>')
    .option('-f, --format <template>', 'Format output using a Go-template-like string ({{.State.Status}} ...)')
    .option('--type <type>', 'Only inspect objects of this type: container, image, network or volume')
    .action(async (refs: string[], opts: { format?: string; type?: string }) => {
      process.exitCode = await inspectCommand(refs, opts);
    });
}

export function defineContainer(program: Command): void {
  const container = program.command('container').description('Manage containers');
  container
    .command('prune')
    .description('Remove all stopped containers')
    .option('-f, --force', 'Do not prompt for confirmation', false)
    .action(pruneCommand);
}

export interface PsOptions {
  all: boolean;
  quiet: boolean;
  trunc: boolean;
  filter: string[];
  format?: string;
}

/** docker ps -f key=value: name (substring), id (prefix), status, ancestor (image), health. */
export function matchesFilters(c: ContainerState, filters: string[], health?: HealthStatus, paused = false): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    const value = f.slice(eq + 1);
    if (key === 'name') return c.name.includes(value.replace(/^\//, ''));
    if (key === 'id') return c.id.startsWith(value);
    if (key === 'status') return stateName(c, paused) === value;
    if (key === 'health') {
      if (!['starting', 'healthy', 'unhealthy', 'none'].includes(value)) throw new MiniboxError(`Unrecognised filter value for health: ${value}`);
      return (health ?? 'none') === value;
    }
    if (key === 'label') return true; // against config.json: psCommand's labelFilters
    if (key === 'ancestor') return familiarImageName(c.image) === familiarImageName(value) || c.imageId.includes(value);
    throw new MiniboxError(`invalid filter '${f}'`);
  });
}

const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES', State: 'STATE',
};

/** Docker's COMMAND: truncated, then Go-quoted (an ESC from the image shows as \x1b). */
function quoteCommand(args: string[], trunc: boolean): string {
  const cmd = args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  return goQuote(trunc && cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd);
}

async function portsOf(id: string): Promise<string> {
  const { containerPortsColumn } = await import('../../engine/network.js');
  const { statePaths } = await import('../../util/paths.js');
  return containerPortsColumn(statePaths(), id);
}

/** STATUS's health part, as Docker: " (healthy)", " (unhealthy)", " (health: starting)". */
function healthSuffix(status: HealthStatus | undefined): string {
  if (status === undefined) return '';
  return status === 'starting' ? ' (health: starting)' : ` (${status})`;
}

/** Docker's State string: a paused container is "paused" though it still runs. */
function stateName(c: ContainerState, paused: boolean): string {
  return paused ? 'paused' : c.status;
}

/** Docker's STATUS: "Up 3 minutes (Paused)" before any health part. */
export function statusText(c: ContainerState, now = Date.now(), health?: HealthStatus, paused = false): string {
  if (c.status === 'running' && paused) return `Up ${humanDuration(now - Date.parse(c.startedAt))} (Paused)`;
  if (c.status === 'running') return `Up ${humanDuration(now - Date.parse(c.startedAt))}${healthSuffix(health)}`;
  if (c.status === 'exited') return `Exited (${c.exitCode}) ${ago(c.finishedAt, now)}`;
  if (c.status === 'dead') return 'Dead';
  return 'Created';
}

export async function psCommand(opts: PsOptions): Promise<void> {
  const all = opts.all || opts.filter.some((f) => f.startsWith('status=') && f !== 'status=running');
  const { listContainers, readCommand, containerHealth, containerPaused } = await engine();
  const listed = await listContainers(all);
  const health = new Map(listed.map((c) => [c.id, containerHealth(c.id)?.Status]));
  const paused = new Set(listed.filter(containerPaused).map((c) => c.id));
  const labelFilters = opts.filter.filter((f) => f.startsWith('label=')).map((f) => f.slice('label='.length));
  const { matchesLabels } = await import('../../engine/process-view.js');
  const labelled = await Promise.all(listed.map((c) => matchesLabels(c.id, labelFilters)));
  const containers = listed.filter((c, i) => labelled[i] && matchesFilters(c, opts.filter, health.get(c.id), paused.has(c.id)));
  const status = (c: ContainerState) => statusText(c, Date.now(), health.get(c.id), paused.has(c.id));
  if (opts.quiet) {
    for (const c of containers) process.stdout.write(`${opts.trunc ? c.id.slice(0, 12) : c.id}\n`);
    return;
  }
  if (opts.format) {
    const { renderTemplate, splitTable } = await import('../format/template.js');
    const { header, row } = splitTable(opts.format, PS_HEADERS);
    const lines = await Promise.all(
      containers.map(async (c) =>
        renderTemplate(row, {
          ID: opts.trunc ? c.id.slice(0, 12) : c.id,
          Names: c.name,
          Image: familiarImageName(c.image),
          Command: quoteCommand(await readCommand(c.id), opts.trunc),
          CreatedAt: c.created,
          RunningFor: ago(c.created),
          Status: status(c),
          State: stateName(c, paused.has(c.id)),
          Ports: await portsOf(c.id),
        }),
      ),
    );
    process.stdout.write([...(header ? [header] : []), ...lines].map((l) => `${l}\n`).join(''));
    return;
  }
  const rows = await Promise.all(
    containers.map(async (c) => [
      opts.trunc ? c.id.slice(0, 12) : c.id,
      familiarImageName(c.image),
      quoteCommand(await readCommand(c.id), opts.trunc),
      ago(c.created),
      status(c),
      await portsOf(c.id),
      c.name,
    ]),
  );
  process.stdout.write(formatTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
}

export async function rmCommand(refs: string[], opts: { force: boolean; volumes?: boolean }): Promise<number> {
  const { removeContainer } = await engine();
  let code = 0;
  for (const ref of refs) {
    try {
      await removeContainer(ref, opts.force, opts.volumes === true);
      process.stdout.write(`${ref}\n`);
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`minibox: ${err.message}\n`);
      code = 1;
    }
  }
  return code;
}

/** The Docker-shaped view of a container that `inspect` prints. */
export function dockerView(state: ContainerState, spec: OciSpec, net: Record<string, unknown> = { Networks: {} }, health?: HealthState, paused = false, fields?: InspectFields): Record<string, unknown> {
  return {
    Id: state.id,
    Created: state.created,
    Path: spec.process.args[0],
    Args: spec.process.args.slice(1),
    State: {
      Status: stateName(state, paused),
      Running: state.status === 'running',
      Paused: paused,
      Pid: state.pid,
      ExitCode: state.exitCode,
      OOMKilled: state.oomKilled,
      StartedAt: state.startedAt || '0001-01-01T00:00:00Z',
      FinishedAt: state.finishedAt || '0001-01-01T00:00:00Z',
      ...(health ? { Health: health } : {}),
    },
    Image: state.imageId,
    Name: `/${state.name}`,
    HostConfig: { AutoRemove: state.autoRemove, NetworkMode: 'none', ...securityHostConfig(spec), ...processHostConfig(spec), ...fields?.HostConfig },
    Mounts: fields?.Mounts ?? [],
    Config: {
      Hostname: spec.hostname,
      Env: spec.process.env,
      Cmd: spec.process.args,
      Image: familiarImageName(state.image),
      WorkingDir: spec.process.cwd,
      ...processConfigView(spec),
      ...fields?.Config,
    },
    NetworkSettings: net,
  };
}

async function inspectContainerView(ref: string): Promise<unknown> {
  const { inspectContainer, containerHealth, containerPaused, inspectFields } = await engine();
  const { state, spec } = await inspectContainer(ref);
  const { containerNetworkSettings } = await import('../../engine/network.js');
  const { statePaths } = await import('../../util/paths.js');
  return dockerView(state, spec, await containerNetworkSettings(statePaths(), state.id), containerHealth(state.id), containerPaused(state), await inspectFields(state, spec));
}

/** What plain `inspect` tries, in Docker's order, when a name is no container's. */
const INSPECTORS: Record<string, (ref: string) => Promise<unknown>> = {
  container: inspectContainerView,
  image: async (ref) => (await import('../../engine/image-inspect.js')).inspectImage(ref),
  network: async (ref) => (await import('../../engine/network-admin.js')).inspectNetwork(ref),
  volume: async (ref) => (await import('../../engine/volume-admin.js')).inspectVolume(ref),
};

/** The first object named `ref` among the types tried; a miss everywhere is the first type's error. */
export async function inspectAny(ref: string, types: string[], inspectors = INSPECTORS): Promise<unknown> {
  let first: unknown;
  for (const type of types) {
    const inspect = inspectors[type];
    if (!inspect) continue;
    try {
      return await inspect(ref);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      first ??= err;
    }
  }
  throw first;
}

export async function inspectCommand(refs: string[], opts: { format?: string; type?: string } = {}): Promise<number> {
  if (opts.type !== undefined && !(opts.type in INSPECTORS)) throw new MiniboxError(`"${opts.type}" is not a valid value for --type`, 1);
  const types = opts.type !== undefined ? [opts.type] : Object.keys(INSPECTORS);
  const { checkTemplate } = await import('../format/template.js');
  if (opts.format) checkTemplate(opts.format);
  const views: unknown[] = [];
  let code = 0;
  for (const ref of refs) {
    try {
      views.push(await inspectAny(ref, types));
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`minibox: ${err.message}\n`);
      code = 1;
    }
  }
  const { formatInspect } = await import('../format/inspect.js');
  process.stdout.write(formatInspect(views, opts.format));
  return code;
}

/** `container prune`: every container that is not running goes (Docker asks first unless -f). */
export async function pruneCommand(opts: { force: boolean }): Promise<void> {
  if (!opts.force) {
    if (!(await confirm('WARNING! This will remove all stopped containers.'))) return;
  }
  const { pruneContainers } = await engine();
  const removed = await pruneContainers();
  const { formatPruneReport } = await import('../format/prune.js');
  process.stdout.write(formatPruneReport([['Deleted Containers', removed]], 0)); // the upper dirs are not measured
}
