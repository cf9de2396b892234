/**
 * The planner of `compose up`: from the project model and what the engine has (containers
 * found by their labels), decide per service, in depends_on order, whether to create it,
 * recreate it (its configuration hash or image changed, or --force-recreate), start it
 * (stopped, unchanged) or leave it running; which networks and volumes to create; which
 * containers are orphans (a service no longer in the file). Pure: the engine carries it out.
 */
import { MiniboxError } from '../util/errors.js';
import { dependencyOrder } from './load.js';
import { configHash, LABEL } from './labels.js';
import type { ComposeProject, ServiceConfig } from './model.js';

export interface ObservedContainer {
  id: string;
  name: string;
  running: boolean;
  labels: Readonly<Record<string, string>>;
}

export type ServiceAction =
  | { kind: 'create'; service: string; number: number }
  | { kind: 'recreate'; service: string; number: number; old: ObservedContainer; reason: 'config' | 'image' | 'forced' }
  | { kind: 'start'; service: string; container: ObservedContainer }
  | { kind: 'keep'; service: string; container: ObservedContainer };

export interface UpPlan {
  /** Network keys (of project.networks) the services use, in name order. */
  networks: string[];
  /** Named volume keys the services use. */
  volumes: string[];
  /** In depends_on order. */
  actions: ServiceAction[];
  orphans: ObservedContainer[];
}

export interface UpOptions {
  /** SERVICE… on the command line; empty: all. */
  services: readonly string[];
  noDeps: boolean;
  forceRecreate: boolean;
  /** The image id each service would run now (after pull/build). */
  imageIds: Readonly<Record<string, string>>;
}

/** The services a command works on: those named plus (unless --no-deps) what they depend on. */
export function selectServices(project: ComposeProject, names: readonly string[], noDeps: boolean): string[] {
  for (const n of names) {
    if (!project.services[n]) throw new Error(`no such service: ${n}`);
  }
  if (names.length === 0) return dependencyOrder(project.services);
  const chosen = new Set<string>();
  const add = (n: string): void => {
    if (chosen.has(n)) return;
    chosen.add(n);
    if (!noDeps) for (const d of Object.keys(project.services[n]?.depends_on ?? {})) if (project.services[d]) add(d);
  };
  names.forEach(add);
  return dependencyOrder(project.services).filter((n) => chosen.has(n));
}

export function planUp(project: ComposeProject, observed: readonly ObservedContainer[], opts: UpOptions): UpPlan {
  const mine = observed.filter((c) => c.labels[LABEL.project] === project.name && c.labels[LABEL.oneoff] !== 'True');
  const order = selectServices(project, opts.services, opts.noDeps);
  const actions: ServiceAction[] = [];
  const networks = new Set<string>();
  const volumes = new Set<string>();
  for (const name of order) {
    const svc = project.services[name] as ServiceConfig;
    for (const n of Object.keys(svc.networks ?? {})) networks.add(n);
    for (const v of svc.volumes ?? []) if (v.type === 'volume' && v.source) volumes.add(v.source);
    const existing = mine
      .filter((c) => c.labels[LABEL.service] === name)
      .sort((a, b) => Number(a.labels[LABEL.number]) - Number(b.labels[LABEL.number]));
    const current = existing[0];
    if (!current) {
      actions.push({ kind: 'create', service: name, number: 1 });
      continue;
    }
    const number = Number(current.labels[LABEL.number]) || 1;
    const imageId = opts.imageIds[name];
    const reason = opts.forceRecreate
      ? 'forced'
      : current.labels[LABEL.configHash] !== configHash(svc)
        ? 'config'
        : imageId !== undefined && current.labels[LABEL.image] !== imageId
          ? 'image'
          : undefined;
    if (reason) actions.push({ kind: 'recreate', service: name, number, old: current, reason });
    else actions.push({ kind: current.running ? 'keep' : 'start', service: name, container: current });
  }
  const known = new Set([...Object.keys(project.services), ...Object.keys(project.disabledServices)]);
  const orphans = mine.filter((c) => !known.has(c.labels[LABEL.service] ?? ''));
  return { networks: [...networks].sort(), volumes: [...volumes].sort(), actions, orphans };
}

/**
 * Every service of `names` that would be built has a build context folder: checked for all
 * of them before the first build starts, so a missing one fails with one line and nothing
 * is built, created or started.
 */
export function checkBuildContexts(project: ComposeProject, names: readonly string[], isDir: (p: string) => boolean): void {
  for (const name of names) {
    const b = project.services[name]?.build;
    if (b && !isDir(b.context)) {
      throw new Error(`service "${name}": build context ${b.context} not found: unable to prepare context (fix build.context)`);
    }
  }
}

/**
 * `down --rmi`: `local` removes the images built here that carry no `image:` name of their
 * own (`<project>-<service>`), `all` every image a service uses; each name once, in order.
 */
export function imagesToRemove(project: ComposeProject, mode: 'local' | 'all'): string[] {
  const names: string[] = [];
  for (const svc of Object.values({ ...project.services, ...project.disabledServices })) {
    const name = svc.image ?? (svc.build ? `${project.name}-${svc.name}` : undefined);
    if (name === undefined || (mode === 'local' && svc.image !== undefined)) continue;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

export function parseRmi(v: string): 'local' | 'all' {
  if (v === 'local' || v === 'all') return v;
  throw new MiniboxError(`invalid --rmi "${v}": use local or all`, 1);
}
