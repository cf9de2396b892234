/**
 * The compose commands beyond up/down: `exec` and `run` (a one-off container), `pull` and
 * `push`, `ls`, and the log following of `logs -f` and attached `up` (with its Ctrl-C:
 * a graceful stop, then a kill on the second). Each goes through the engine's own
 * exec/run/pull/push/logs/stop functions, the same ones the plain commands use.
 */
import { randomBytes } from 'node:crypto';
import { LABEL } from '../../compose/labels.js';
import { logName, logPrefixes } from '../../compose/log-prefix.js';
import type { ComposeProject, ServiceConfig } from '../../compose/model.js';
import { selectServices } from '../../compose/plan.js';
import { projectRows, type ProjectRow } from '../../compose/projects.js';
import { findImage } from '../../image/resolve.js';
import { MiniboxError } from '../../util/errors.js';
import { statePaths } from '../../util/paths.js';
import { execInContainer } from '../exec.js';
import { killContainer, stopContainer } from '../lifecycle.js';
import { readLogs } from '../logs.js';
import { connectContainer } from '../network-admin.js';
import { pull } from '../pull.js';
import { push } from '../push.js';
import { runContainer } from '../run.js';
import { buildServices, composeContainers, ensureResources, projectContainers, stopWait, up, waitForDependencies, type ProjectContainer, type Say } from './project.js';
import { oneOffRunRequest, serviceImage, serviceNetworks } from './run-request.js';

function serviceOf(project: ComposeProject, name: string): ServiceConfig {
  const svc = project.services[name];
  if (!svc) throw new MiniboxError(`no such service: ${name}`, 1);
  return svc;
}

/** -u/-w, passed on only when given (the service's or image's own apply otherwise). */
function userAndWorkdir(o: { user?: string | undefined; workdir?: string | undefined }): { user?: string; workdir?: string } {
  return { ...(o.user !== undefined ? { user: o.user } : {}), ...(o.workdir !== undefined ? { workdir: o.workdir } : {}) };
}

export interface ExecServiceOptions {
  service: string;
  command: string[];
  index: number;
  detach: boolean;
  tty: boolean;
  env: string[];
  user?: string | undefined;
  workdir?: string | undefined;
}

/** `compose exec`: the command in the service's container number `index` (1 by default); its exit code. */
export async function execService(project: ComposeProject, o: ExecServiceOptions): Promise<number> {
  serviceOf(project, o.service);
  const c = (await projectContainers(project.name)).find(
    (x) => x.labels[LABEL.service] === o.service && x.labels[LABEL.oneoff] !== 'True' && Number(x.labels[LABEL.number]) === o.index,
  );
  if (!c || !c.running) {
    throw new MiniboxError(o.index === 1 ? `service "${o.service}" is not running` : `service "${o.service}" is not running container #${o.index}`, 1);
  }
  return execInContainer({
    ref: c.id,
    command: o.command,
    detach: o.detach,
    interactive: !o.detach,
    tty: o.tty,
    env: o.env,
    ...userAndWorkdir(o),
  });
}

export interface RunServiceOptions {
  service: string;
  command: string[];
  entrypoint?: string[];
  env: string[];
  rm: boolean;
  noDeps: boolean;
  detach: boolean;
  tty: boolean;
  interactive: boolean;
  user?: string | undefined;
  workdir?: string | undefined;
}

/**
 * `compose run`: the service's dependencies brought up first (as `up` would, their
 * depends_on conditions waited for) unless --no-deps, its image built when missing, then a
 * one-off container in the foreground; its exit code. With -d the container's name is said.
 */
export async function runService(project: ComposeProject, o: RunServiceOptions, say: Say): Promise<number> {
  const svc = serviceOf(project, o.service);
  const ids: Record<string, string> = {};
  if (!o.noDeps) {
    const deps = selectServices(project, [o.service], false).filter((n) => n !== o.service);
    if (deps.length) Object.assign(ids, await up(project, { services: deps, build: false, forceRecreate: false, noDeps: false, removeOrphans: false }, say));
    await waitForDependencies(project, svc, ids, say);
  }
  // the networks and volumes of the service exist even with --no-deps (Compose creates them)
  const volumes = (svc.volumes ?? []).flatMap((v) => (v.type === 'volume' && v.source ? [v.source] : []));
  await ensureResources(project, Object.keys(svc.networks ?? {}), volumes, say);
  const image = serviceImage(project, svc);
  if (svc.build && !(await findImage(statePaths(), image))) await buildServices(project, { services: [o.service] }, say);
  const imageId = (await findImage(statePaths(), image))?.imageId ?? '';
  const req = oneOffRunRequest(project, svc, imageId, {
    command: o.command,
    ...(o.entrypoint ? { entrypoint: o.entrypoint } : {}),
    env: o.env,
    rm: o.rm,
    detach: o.detach,
    tty: o.tty,
    interactive: o.interactive,
    ...userAndWorkdir(o),
    suffix: randomBytes(6).toString('hex'),
  });
  let id = '';
  const code = await runContainer({ ...req, onDetached: (cid) => (id = cid), onWarning: (m) => say(`WARNING: ${m}`) });
  if (o.detach) {
    for (const extra of serviceNetworks(project, svc).slice(1)) await connectContainer(extra.name, id, []);
    process.stdout.write(`${req.name ?? id}\n`);
  }
  return code;
}

/**
 * The selected services (with their dependencies when none are named) that have an
 * `image:` and are, or are not, built here: `fn` on each, between Compose's two lines.
 */
async function eachServiceImage(
  project: ComposeProject,
  services: readonly string[],
  built: boolean,
  lines: { start: (image: string) => string; done: string },
  fn: (image: string) => Promise<unknown>,
  say: Say,
): Promise<void> {
  const names = services.length ? selectServices(project, services, true) : selectServices(project, [], false);
  for (const name of names) {
    const svc = serviceOf(project, name);
    if (Boolean(svc.build) !== built || !svc.image) continue;
    say(` ${name} ${lines.start(svc.image)}`);
    await fn(svc.image);
    say(` ${name} ${lines.done}`);
  }
}

/** `compose pull`: the images of the selected services that are not built here. */
export async function pullServices(project: ComposeProject, services: readonly string[], say: Say): Promise<void> {
  await eachServiceImage(project, services, false, { start: () => 'Pulling', done: 'Pulled' }, (image) => pull({ image }), say);
}

/** `compose push`: the images of the selected services that are built here and have an `image:` name. */
export async function pushServices(project: ComposeProject, services: readonly string[], say: Say): Promise<void> {
  await eachServiceImage(project, services, true, { start: (image) => `Pushing ${image}`, done: 'Pushed' }, (image) => push({ name: image }), say);
}

/** `compose ls`: the projects the engine has containers of, from their labels alone. */
export async function listProjects(all: boolean): Promise<ProjectRow[]> {
  return projectRows((await composeContainers()).map((c) => ({ status: c.state.status, labels: c.labels })), all);
}

export type LogEmit = (prefix: string, stream: 'stdout' | 'stderr', line: string) => void;

/** The service containers (not one-offs) of the project, those of `services` when named. */
export async function serviceContainers(project: ComposeProject, services: readonly string[]): Promise<ProjectContainer[]> {
  return (await projectContainers(project.name)).filter(
    (c) => c.labels[LABEL.oneoff] !== 'True' && (services.length === 0 || services.includes(c.labels[LABEL.service] ?? '')),
  );
}

/** The name before ` | ` on a container's log lines (log-prefix.ts logName). */
const prefixName = (project: ComposeProject, c: ProjectContainer): string =>
  logName(project.name, c.name, c.labels[LABEL.service] ?? '', c.labels[LABEL.number] ?? '');

/** Each container's log lines with its prefix (log-prefix.ts); following ends when every container has stopped. */
export async function followLogs(
  project: ComposeProject,
  containers: readonly ProjectContainer[],
  opts: { follow: boolean; tail?: string; color: boolean },
  emit: LogEmit,
): Promise<void> {
  const prefixes = logPrefixes(containers.map((c) => prefixName(project, c)), opts.color);
  await Promise.all(
    containers.map((c, i) =>
      readLogs(c.id, { follow: opts.follow, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) }, (e) => {
        for (const line of e.log.replace(/\n$/, '').split('\n')) emit(prefixes[i] ?? '', e.stream, line);
      }),
    ),
  );
}

/**
 * `up` without -d: after `up`, the containers' logs followed until they have all stopped.
 * The first Ctrl-C (SIGINT) says Compose's `Gracefully stopping...` and stops them (each
 * with -t/--timeout, else its stop_grace_period); a second one kills them. Returns the exit code: 0 when the
 * containers ended on their own, 130 after Ctrl-C.
 */
export async function attachedUp(
  project: ComposeProject,
  opts: Parameters<typeof up>[1],
  color: boolean,
  emit: LogEmit,
  say: Say,
): Promise<number> {
  const ids = new Set(Object.values(await up(project, opts, say)));
  const containers = (await serviceContainers(project, [])).filter((c) => ids.has(c.id));
  say(`Attaching to ${containers.map((c) => prefixName(project, c)).join(', ')}`);
  let stopping: Promise<unknown> | undefined;
  let killing = false;
  const onSigint = (): void => {
    if (!stopping) {
      say('Gracefully stopping... (press Ctrl+C again to force)');
      stopping = Promise.all(
        containers.map(async (c) => {
          await stopContainer(c.id, stopWait(project.services[c.labels[LABEL.service] ?? ''], opts.timeout)).catch(() => undefined);
          say(` Container ${c.name}  Stopped`);
        }),
      );
      return;
    }
    if (killing) return;
    killing = true;
    for (const c of containers) {
      killContainer(c.id).then(
        () => say(` Container ${c.name}  Killed`),
        () => undefined, // already stopped
      );
    }
  };
  process.on('SIGINT', onSigint);
  try {
    await followLogs(project, containers, { follow: true, color }, emit);
    if (!stopping) return 0;
    await stopping;
    return 130;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
