/**
 * A compose service → the same RunRequest `minibox run -d` builds from its flags, so a
 * service runs exactly as the equivalent command line would (one code path for both):
 * ports become -p specs, volumes -v specs (named volumes under their project name), the
 * service's name a --network-alias on the project network, Compose's labels --label.
 */
import { containerLabels, containerName } from '../../compose/labels.js';
import { exposeKeys } from '../../compose/normalize.js';
import type { ComposeProject, ServiceConfig } from '../../compose/model.js';
import type { HealthFlags } from '../../container/health.js';
import type { RunRequest } from '../run.js';

export { exposeKeys };

/** The image a service runs: its `image:`, else `<project>-<service>` (what `build` tags). */
export function serviceImage(project: ComposeProject, svc: ServiceConfig): string {
  return svc.image ?? `${project.name}-${svc.name}`;
}

/** Go durations as Compose's stop_grace_period takes them ("10s", "1m30s", "500ms") → whole seconds. */
export function durationSeconds(d: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of d.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : n / 1000;
    consumed += m[0].length;
  }
  if (consumed !== d.length || d === '') throw new Error(`invalid duration "${d}"`);
  return Math.round(total);
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function healthOf(svc: ServiceConfig): HealthFlags | undefined {
  const h = svc.healthcheck;
  if (!h) return undefined;
  if (h.disable || h.test?.[0] === 'NONE') return { none: true };
  const out: HealthFlags = {};
  const [kind, ...args] = h.test ?? [];
  if (kind === 'CMD-SHELL') out.cmd = args.join(' ');
  else if (kind === 'CMD') out.cmd = args.map(shellQuote).join(' ');
  if (h.interval) out.interval = h.interval;
  if (h.timeout) out.timeout = h.timeout;
  if (h.start_period) out.startPeriod = h.start_period;
  if (h.retries !== undefined) out.retries = String(h.retries);
  return out;
}

function publishSpecs(svc: ServiceConfig): string[] {
  return (svc.ports ?? []).map((p) => {
    const host = p.published ?? '';
    const proto = p.protocol === 'tcp' ? '' : `/${p.protocol}`;
    if (p.host_ip) return `${p.host_ip}:${host}:${p.target}${proto}`;
    return host ? `${host}:${p.target}${proto}` : `${p.target}${proto}`;
  });
}

function volumeSpecs(project: ComposeProject, svc: ServiceConfig): { volumes: string[]; tmpfs: string[] } {
  const volumes: string[] = [];
  const tmpfs = [...(svc.tmpfs ?? [])];
  for (const v of svc.volumes ?? []) {
    const ro = v.read_only ? ':ro' : '';
    if (v.type === 'tmpfs') tmpfs.push(v.target);
    else if (v.type === 'bind') volumes.push(`${v.source ?? ''}:${v.target}${ro}`);
    else if (v.source) volumes.push(`${project.volumes[v.source]?.name ?? v.source}:${v.target}${ro}`);
    else volumes.push(v.target);
  }
  return { volumes, tmpfs };
}

/**
 * links → run's --link specs: `db` and `db:alias` name the linked service's first container
 * (`<project>-db-1`, or its container_name) under the alias (the service's name by default),
 * so the alias resolves in this container.
 */
export function linkSpecs(project: ComposeProject, svc: ServiceConfig): string[] {
  return (svc.links ?? []).map((link) => {
    const [target = '', alias] = link.split(':');
    const targetSvc = project.services[target] ?? { name: target };
    return `${containerName(project.name, targetSvc, 1)}:${alias ?? target}`;
  });
}

/** The first network a service is on (run attaches it); the others are connected after. */
export function serviceNetworks(project: ComposeProject, svc: ServiceConfig): { name: string; aliases: string[] }[] {
  return Object.entries(svc.networks ?? { default: null }).map(([key, cfg]) => ({
    name: project.networks[key]?.name ?? key,
    aliases: [svc.name, ...(cfg?.aliases ?? [])],
  }));
}

export function runRequestFor(project: ComposeProject, svc: ServiceConfig, number: number, imageId: string): RunRequest {
  let entrypoint: string | undefined;
  let command = svc.command ?? [];
  if (svc.entrypoint !== undefined) {
    const ep = svc.entrypoint ?? [];
    entrypoint = ep[0] ?? '';
    command = [...ep.slice(1), ...(svc.command ?? [])];
  }
  const labels = containerLabels(project, svc, number, imageId);
  const [first] = serviceNetworks(project, svc);
  const { volumes, tmpfs } = volumeSpecs(project, svc);
  const health = healthOf(svc);
  const req: RunRequest = {
    image: serviceImage(project, svc),
    command,
    name: containerName(project.name, svc, number),
    env: Object.entries(svc.environment ?? {}).flatMap(([k, v]) => (v === null ? [] : [`${k}=${v}`])),
    interactive: false,
    autoRemove: false,
    detach: true,
    resources: {
      ...(svc.mem_limit ? { memory: svc.mem_limit } : {}),
      ...(svc.mem_reservation ? { memoryReservation: svc.mem_reservation } : {}),
      ...(svc.cpus ? { cpus: svc.cpus } : {}),
      ...(svc.pids_limit !== undefined ? { pidsLimit: String(svc.pids_limit) } : {}),
    },
    network: {
      ...(first ? { network: first.name, aliases: first.aliases } : {}),
      publish: publishSpecs(svc),
      ...(svc.links?.length ? { links: linkSpecs(project, svc) } : {}),
      ...(svc.expose?.length ? { expose: exposeKeys(svc.expose) } : {}),
    },
    labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    mounts: { volumes, mounts: [], tmpfs, readOnly: svc.read_only === true },
  };
  if (entrypoint !== undefined) req.entrypoint = entrypoint;
  if (svc.working_dir) req.workdir = svc.working_dir;
  if (svc.hostname) req.hostname = svc.hostname;
  if (svc.restart) req.restart = svc.restart;
  if (svc.user) req.user = svc.user;
  if (svc.init) req.init = true;
  if (svc.stop_signal) req.stopSignal = svc.stop_signal;
  if (svc.stop_grace_period) req.stopTimeout = durationSeconds(svc.stop_grace_period);
  if (health) req.health = health;
  return req;
}

export interface OneOffOptions {
  /** CMD… given to `compose run` (replaces the service's command when not empty). */
  command: string[];
  /** --entrypoint, split into words. */
  entrypoint?: string[];
  /** -e, added after the service's environment. */
  env: string[];
  rm: boolean;
  detach: boolean;
  tty: boolean;
  interactive: boolean;
  user?: string;
  workdir?: string;
  /** 12 hex digits: the container is `<project>-<service>-run-<suffix>`. */
  suffix: string;
}

/**
 * `compose run`: a one-off container of the service, as Compose makes it — its own name
 * `<project>-<service>-run-<hex>`, the label com.docker.compose.oneoff=True (so `up` and
 * `ps` leave it out), no published ports, no restart policy, no container_name, and not
 * reachable under the service's name (the service's own containers are).
 */
export function oneOffRunRequest(project: ComposeProject, svc: ServiceConfig, imageId: string, o: OneOffOptions): RunRequest {
  const base: ServiceConfig = { ...svc };
  delete base.container_name;
  delete base.restart;
  if (o.command.length) base.command = o.command;
  if (o.entrypoint) base.entrypoint = o.entrypoint;
  const req = runRequestFor(project, base, 1, imageId);
  const labels = containerLabels(project, base, 1, imageId, true);
  const out: RunRequest = {
    ...req,
    name: `${project.name}-${svc.name}-run-${o.suffix}`,
    env: [...req.env, ...o.env],
    labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    autoRemove: o.rm,
    detach: o.detach,
    tty: o.tty,
    interactive: o.interactive,
    network: {
      ...req.network,
      aliases: [],
      publish: [],
    },
  };
  if (o.user !== undefined) out.user = o.user;
  if (o.workdir !== undefined) out.workdir = o.workdir;
  return out;
}
