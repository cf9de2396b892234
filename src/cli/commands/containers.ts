import { listContainers, removeContainer, inspectContainer } from '../../engine/containers.js';
import type { ContainerState } from '../../container/state.js';
import type { OciSpec } from '../../container/spec.js';
import { MiniboxError } from '../../util/errors.js';
import { formatTable } from '../format/table.js';
import { ago, humanDuration } from '../format/duration.js';

/** `ps`, `rm` and `inspect`, printed as Docker prints them. */
export interface PsOptions {
  all: boolean;
  quiet: boolean;
  trunc: boolean;
}

function familiar(ref: string): string {
  return ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '').replace(/:latest$/, '');
}

function quoteCommand(args: string[], trunc: boolean): string {
  const cmd = args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  return `"${trunc && cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd}"`;
}

export function statusText(c: ContainerState, now = Date.now()): string {
  if (c.status === 'running') return `Up ${humanDuration(now - Date.parse(c.startedAt))}`;
  if (c.status === 'exited') return `Exited (${c.exitCode}) ${ago(c.finishedAt, now)}`;
  if (c.status === 'dead') return 'Dead';
  return 'Created';
}

export async function psCommand(opts: PsOptions): Promise<void> {
  const containers = await listContainers(opts.all);
  if (opts.quiet) {
    for (const c of containers) process.stdout.write(`${opts.trunc ? c.id.slice(0, 12) : c.id}\n`);
    return;
  }
  const { readCommand } = await import('../../container/spec-read.js');
  const rows = await Promise.all(
    containers.map(async (c) => [
      opts.trunc ? c.id.slice(0, 12) : c.id,
      familiar(c.image),
      quoteCommand(await readCommand(c.id), opts.trunc),
      ago(c.created),
      statusText(c),
      '',
      c.name,
    ]),
  );
  process.stdout.write(formatTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
}

export async function rmCommand(refs: string[], opts: { force: boolean }): Promise<number> {
  let code = 0;
  for (const ref of refs) {
    try {
      await removeContainer(ref, opts.force);
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
export function dockerView(state: ContainerState, spec: OciSpec): Record<string, unknown> {
  return {
    Id: state.id,
    Created: state.created,
    Path: spec.process.args[0],
    Args: spec.process.args.slice(1),
    State: {
      Status: state.status,
      Running: state.status === 'running',
      Pid: state.pid,
      ExitCode: state.exitCode,
      OOMKilled: state.oomKilled,
      StartedAt: state.startedAt || '0001-01-01T00:00:00Z',
      FinishedAt: state.finishedAt || '0001-01-01T00:00:00Z',
    },
    Image: state.imageId,
    Name: `/${state.name}`,
    HostConfig: { AutoRemove: state.autoRemove, NetworkMode: 'none' },
    Mounts: [],
    Config: {
      Hostname: spec.hostname,
      Env: spec.process.env,
      Cmd: spec.process.args,
      Image: familiar(state.image),
      WorkingDir: spec.process.cwd,
    },
    NetworkSettings: { Networks: {} },
  };
}

export async function inspectCommand(refs: string[]): Promise<number> {
  const views: unknown[] = [];
  let code = 0;
  for (const ref of refs) {
    try {
      const { state, spec } = await inspectContainer(ref);
      views.push(dockerView(state, spec));
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`minibox: ${err.message}\n`);
      code = 1;
    }
  }
  process.stdout.write(`${JSON.stringify(views, null, 4)}\n`);
  return code;
}
