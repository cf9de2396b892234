/**
 * Carries out compose commands with minibox's own engine calls (never the CLI): `up` runs the
 * planner's decisions in depends_on order (networks and volumes first, each service's
 * container created through the same runContainer as `run -d`, depends_on conditions waited
 * for), `down` removes what carries the project's labels, `ps`/`logs` read the containers
 * found by label, `build` goes through the build engine. What is found is always found by
 * labels, so a changed or deleted file does not hide a project's containers.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { containerName, LABEL, resourceLabels } from '../../compose/labels.js';
import type { ComposeProject, ServiceConfig } from '../../compose/model.js';
import { checkBuildContexts, imagesToRemove, planUp, selectServices, type ObservedContainer } from '../../compose/plan.js';
import { isOneShot, readiness } from '../../compose/readiness.js';
import { labelsOf } from '../../container/labels.js';
import { readSpec } from '../../container/spec-read.js';
import type { ContainerState } from '../../container/state.js';
import { findImage } from '../../image/resolve.js';
import { MiniboxError, describe } from '../../util/errors.js';
import { statePaths } from '../../util/paths.js';
import { containerHealth, listContainers, removeContainer } from '../containers.js';
import { stopContainer } from '../lifecycle.js';
import { connectContainer, createNetwork, listAllNetworks, removeNetwork } from '../network-admin.js';
import { runContainer } from '../run.js';
import { startContainer } from '../start.js';
import { createNamedVolume, listVolumeViews, removeVolume } from '../volume-admin.js';
import { durationSeconds, runRequestFor, serviceImage, serviceNetworks } from './run-request.js';

export type Say = (line: string) => void;

/**
 * How long a stop waits before SIGKILL: `-t/--timeout` when given (Compose's flag overrides
 * every service's own), else the service's stop_grace_period, else the container's default.
 */
export function stopWait(svc: ServiceConfig | undefined, timeout?: number): { seconds?: number } {
  if (timeout !== undefined) return { seconds: timeout };
  return svc?.stop_grace_period ? { seconds: durationSeconds(svc.stop_grace_period) } : {};
}

export interface ProjectContainer extends ObservedContainer {
  state: ContainerState;
}

/** Every container with a compose project label (any project), the stopped ones too. */
export async function composeContainers(): Promise<ProjectContainer[]> {
  const dir = statePaths().containers;
  const all = await listContainers(true);
  const out: ProjectContainer[] = [];
  for (const state of all) {
    let labels: Record<string, string>;
    try {
      labels = labelsOf(await readSpec(path.join(dir, state.id)));
    } catch {
      continue; // a container being removed under us
    }
    if (labels[LABEL.project] === undefined) continue;
    out.push({ id: state.id, name: state.name, running: state.status === 'running', labels, state });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every container that carries the project's label, the stopped ones too. */
export async function projectContainers(project: string): Promise<ProjectContainer[]> {
  return (await composeContainers()).filter((c) => c.labels[LABEL.project] === project);
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export interface BuildOptions {
  services: readonly string[];
  noCache?: boolean;
  pull?: boolean;
}

/** `compose build`: every selected service with a build section, tagged `<project>-<service>` (or its image:). */
export async function buildServices(project: ComposeProject, opts: BuildOptions, say: Say): Promise<void> {
  const { buildImage } = await import('../build/build.js');
  const names = opts.services.length ? selectServices(project, opts.services, true) : selectServices(project, [], false);
  try {
    checkBuildContexts(project, names, isDir);
  } catch (err) {
    throw new MiniboxError(describe(err), 1);
  }
  for (const name of names) {
    const svc = project.services[name] as ServiceConfig;
    if (!svc.build) continue;
    const b = svc.build;
    const dockerfilePath = path.resolve(b.context, b.dockerfile ?? 'Dockerfile');
    let dockerfile: string;
    try {
      dockerfile = await readFile(dockerfilePath, 'utf8');
    } catch (err) {
      throw new MiniboxError(`service "${name}": cannot read its Dockerfile ${dockerfilePath}: ${describe(err)}`, 1);
    }
    say(`[+] Building ${name}`);
    await buildImage({
      contextDir: b.context,
      dockerfile,
      tags: [serviceImage(project, svc)],
      // a service's environment never leaks into its build: only build.args are passed
      buildArgs: Object.entries(b.args ?? {}).map(([k, v]) => (v === null ? k : `${k}=${v}`)),
      labels: Object.entries(b.labels ?? {}).map(([k, v]) => `${k}=${v}`),
      noCache: opts.noCache === true,
      pull: opts.pull === true,
      ...(b.target ? { target: b.target } : {}),
      network: 'bridge',
      rm: true,
      forceRm: false,
      reproducible: false,
      out: (line) => say(line),
    });
    say(` Image ${serviceImage(project, svc)}  Built`);
  }
}

export interface UpOptions {
  services: readonly string[];
  build: boolean;
  forceRecreate: boolean;
  noDeps: boolean;
  removeOrphans: boolean;
  /** --wait: return once every service is running (healthy where it has a healthcheck). */
  wait?: boolean;
  /** --wait-timeout, in seconds. */
  waitTimeout?: number;
  /** -t/--timeout: seconds a recreated container has to stop. */
  timeout?: number;
}

async function imageIdOf(ref: string): Promise<string | undefined> {
  return (await findImage(statePaths(), ref))?.imageId;
}

/** `compose up -d`. Returns the ids of the containers the project runs now, by service. */
export async function up(project: ComposeProject, opts: UpOptions, say: Say): Promise<Record<string, string>> {
  const order = selectServices(project, opts.services, opts.noDeps);
  const missing: string[] = [];
  for (const name of order) {
    const svc = project.services[name] as ServiceConfig;
    if (svc.build && (opts.build || !(await imageIdOf(serviceImage(project, svc))))) missing.push(name);
  }
  if (missing.length) await buildServices(project, { services: missing }, say);

  const imageIds: Record<string, string> = {};
  for (const name of order) {
    const id = await imageIdOf(serviceImage(project, project.services[name] as ServiceConfig));
    if (id) imageIds[name] = id;
  }
  const observed = await projectContainers(project.name);
  const plan = planUp(project, observed, { services: opts.services, noDeps: opts.noDeps, forceRecreate: opts.forceRecreate, imageIds });

  for (const o of plan.orphans) {
    if (opts.removeOrphans) {
      await removeContainer(o.id, true);
      say(` Container ${o.name}  Removed`);
    } else {
      say(`Found orphan containers ([${o.name}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
    }
  }

  await ensureResources(project, plan.networks, plan.volumes, say);

  const ids: Record<string, string> = {};
  for (const action of plan.actions) {
    const svc = project.services[action.service] as ServiceConfig;
    await waitForDependencies(project, svc, ids, say);
    if (action.kind === 'keep') {
      ids[svc.name] = action.container.id;
      say(` Container ${action.container.name}  Running`);
      continue;
    }
    if (action.kind === 'start') {
      await startContainer(action.container.id);
      ids[svc.name] = action.container.id;
      say(` Container ${action.container.name}  Started`);
      continue;
    }
    if (action.kind === 'recreate') {
      await stopContainer(action.old.id, stopWait(svc, opts.timeout));
      await removeContainer(action.old.id, true);
      say(` Container ${action.old.name}  Recreated`);
    }
    const req = runRequestFor(project, svc, action.number, imageIds[svc.name] ?? '');
    let id = '';
    await runContainer({ ...req, onDetached: (cid) => (id = cid), onWarning: (m) => say(`WARNING: ${m}`) });
    for (const extra of serviceNetworks(project, svc).slice(1)) await connectContainer(extra.name, id, extra.aliases);
    ids[svc.name] = id;
    say(` Container ${req.name ?? id}  Started`);
  }
  if (opts.wait) await waitForServices(project, ids, opts.waitTimeout, say);
  return ids;
}

/**
 * `up --wait`: polls every container `up` left running until each is ready (readiness.ts);
 * the first unhealthy or exited service is an error naming it; past the timeout, the
 * services not ready yet are named.
 */
export async function waitForServices(project: ComposeProject, ids: Readonly<Record<string, string>>, timeoutSeconds: number | undefined, say: Say): Promise<void> {
  const deadline = timeoutSeconds !== undefined ? Date.now() + timeoutSeconds * 1000 : Infinity;
  const pending = new Set(Object.keys(ids));
  for (;;) {
    const states = new Map((await listContainers(true)).map((c) => [c.id, c]));
    for (const service of [...pending]) {
      const id = ids[service] ?? '';
      const c = states.get(id);
      const name = c?.name ?? id;
      // a service with a healthcheck is "starting" until the monitor's first record says otherwise
      const check = project.services[service]?.healthcheck;
      const health = containerHealth(id)?.Status ?? (check && !check.disable && check.test?.[0] !== 'NONE' ? 'starting' : undefined);
      const r = readiness(service, { container: name, status: c?.status ?? 'exited', ...(c ? { exitCode: c.exitCode } : {}), ...(health ? { health } : {}) }, isOneShot(project, service));
      if (r.kind === 'failed') throw new MiniboxError(r.message, 1);
      if (r.kind === 'ready') {
        pending.delete(service);
        say(` Container ${name}  ${health ? 'Healthy' : c?.status === 'running' ? 'Running' : 'Exited'}`);
      }
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline) throw new MiniboxError(`timeout waiting for services to be running or healthy: ${[...pending].sort().join(', ')}`, 1);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * The project's networks and named volumes a command needs, created when missing (with the
 * project's labels on volumes); external ones must exist, checked before anything is made.
 */
export async function ensureResources(project: ComposeProject, networks: readonly string[], volumes: readonly string[], say: Say): Promise<void> {
  const existingNets = new Set((await listAllNetworks()).map((n) => n.name));
  const existingVols = new Set((await listVolumeViews([])).map((v) => v.Name));
  for (const key of networks) {
    const net = project.networks[key];
    if (net?.external && !existingNets.has(net.name)) throw new MiniboxError(`network ${net.name} declared as external, but could not be found`, 1);
  }
  for (const key of volumes) {
    const vol = project.volumes[key];
    if (vol?.external && !existingVols.has(vol.name)) throw new MiniboxError(`external volume "${vol.name}" not found`, 1);
  }
  for (const key of networks) {
    const net = project.networks[key];
    if (!net || existingNets.has(net.name)) continue;
    await createNetwork(net.name, net.driver ?? 'bridge', net.subnet);
    say(` Network ${net.name}  Created`);
  }
  for (const key of volumes) {
    const vol = project.volumes[key];
    if (!vol || existingVols.has(vol.name)) continue;
    await createNamedVolume(vol.name, vol.driver ?? 'local', resourceLabels(project.name, 'volume', key));
    say(` Volume ${vol.name}  Created`);
  }
}

const POLL_MS = 200;

/** depends_on conditions: started (nothing to wait for), healthy, completed successfully. */
export async function waitForDependencies(project: ComposeProject, svc: ServiceConfig, ids: Record<string, string>, say: Say): Promise<void> {
  for (const [dep, d] of Object.entries(svc.depends_on ?? {})) {
    const id = ids[dep];
    if (!id || d.condition === 'service_started') continue;
    const name = containerName(project.name, project.services[dep] ?? { name: dep }, 1);
    if (d.condition === 'service_healthy') {
      say(` Container ${name}  Waiting`);
      for (;;) {
        const status = containerHealth(id)?.Status;
        if (status === 'healthy') break;
        if (status === 'unhealthy') throw new MiniboxError(`dependency failed to start: container ${name} is unhealthy`, 1);
        const c = (await listContainers(true)).find((s) => s.id === id);
        if (!c || c.status !== 'running') throw new MiniboxError(`dependency failed to start: container ${name} exited (${c?.exitCode ?? '?'})`, 1);
        if (!project.services[dep]?.healthcheck && status === undefined) {
          throw new MiniboxError(`dependency failed to start: container ${name} has no healthcheck configured`, 1);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      say(` Container ${name}  Healthy`);
    } else {
      say(` Container ${name}  Waiting`);
      for (;;) {
        const c = (await listContainers(true)).find((s) => s.id === id);
        if (c && c.status !== 'running' && c.status !== 'created') {
          if (c.exitCode !== 0) throw new MiniboxError(`service "${dep}" didn't complete successfully: exit ${c.exitCode}`, 1);
          break;
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      say(` Container ${name}  Exited`);
    }
  }
}

export interface DownOptions {
  volumes: boolean;
  removeOrphans: boolean;
  /** --rmi: the services' images removed too (plan.ts imagesToRemove). */
  rmi?: 'local' | 'all';
  /** -t/--timeout: seconds each container has to stop. */
  timeout?: number;
}

/** `compose down`: the project's containers (found by label), its networks, and with -v its volumes. */
export async function down(project: ComposeProject, opts: DownOptions, say: Say): Promise<void> {
  const containers = await projectContainers(project.name);
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  // reverse dependency order: dependents stop before what they depend on
  const order = new Map(selectServices(project, [], false).map((n, i) => [n, i]));
  const rank = (c: ProjectContainer) => order.get(c.labels[LABEL.service] ?? '') ?? -1;
  for (const c of [...containers].sort((a, b) => rank(b) - rank(a))) {
    const orphan = !known.has(c.labels[LABEL.service] ?? '');
    if (orphan && !opts.removeOrphans) {
      say(`Found orphan containers ([${c.name}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`);
      continue;
    }
    if (c.running) {
      await stopContainer(c.id, stopWait(project.services[c.labels[LABEL.service] ?? ''], opts.timeout));
      say(` Container ${c.name}  Stopped`);
    }
    await removeContainer(c.id, true, true);
    say(` Container ${c.name}  Removed`);
  }
  const nets = new Set(Object.values(project.networks).filter((n) => !n.external).map((n) => n.name));
  nets.add(`${project.name}_default`);
  const existing = new Set((await listAllNetworks()).map((n) => n.name));
  for (const n of [...nets].sort()) {
    if (!existing.has(n)) continue;
    try {
      await removeNetwork(n);
      say(` Network ${n}  Removed`);
    } catch (err) {
      say(`WARNING: network ${n}: ${describe(err)}`);
    }
  }
  if (opts.rmi) {
    const { removeImageByName } = await import('../images.js');
    for (const name of imagesToRemove(project, opts.rmi)) {
      if (!(await findImage(statePaths(), name))) continue;
      try {
        await removeImageByName(name, false);
        say(` Image ${name}  Removed`);
      } catch (err) {
        say(`WARNING: image ${name}: ${describe(err)}`);
      }
    }
  }
  if (opts.volumes) {
    const vols = await listVolumeViews([{ key: 'label', value: `${LABEL.project}=${project.name}` }]);
    for (const v of vols) {
      await removeVolume(v.Name, false);
      say(` Volume ${v.Name}  Removed`);
    }
  }
}

/** `compose stop` / `start` / `restart` / `rm` over the project's containers. */
export async function eachContainer(project: ComposeProject, services: readonly string[], fn: (c: ProjectContainer) => Promise<void>): Promise<void> {
  const all = await projectContainers(project.name);
  for (const c of all) {
    if (services.length && !services.includes(c.labels[LABEL.service] ?? '')) continue;
    await fn(c);
  }
}
