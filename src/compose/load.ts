/**
 * Loading a compose project: files picked (files.ts), the environment built (shell over
 * `.env` or `--env-file`), each file parsed with line numbers (yaml-file.ts), interpolated
 * (interpolate.ts), validated (schema.ts), normalised (normalize.ts), its `extends` resolved,
 * then the files merged in order (merge.ts); env_file and bare environment keys resolved,
 * profiles applied, names given (project-name.ts), references checked (depends_on targets
 * and cycles, networks, volumes, image-or-build).
 * Guarantees: reads files only (nothing is written or started); every failure is one
 * MiniboxError (exit 1, as Compose's) naming the file and line where there is one.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, describe } from '../util/errors.js';
import { parseDotenv } from './dotenv.js';
import { pickFiles } from './files.js';
import { interpolate, InterpolationError, newContext, type InterpolateContext, type Lookup } from './interpolate.js';
import { mergeService } from './merge.js';
import type { ComposeProject, NetworkConfig, ServiceConfig, VolumeConfig } from './model.js';
import { exposeKeys, normalizeService } from './normalize.js';
import { pickProjectName } from './project-name.js';
import { validateComposeFile } from './schema.js';
import { ComposeFileError, dotted, parseYamlFile, type PathSegment, type YamlFile } from './yaml-file.js';

export interface LoadOptions {
  /** The folder the command runs in. */
  cwd: string;
  /** `-f`, in order (relative to cwd). */
  files?: readonly string[];
  /** `-p`. */
  projectName?: string;
  /** `--project-directory`. */
  projectDirectory?: string;
  /** `--env-file`, in order; replaces the project's `.env`. */
  envFiles?: readonly string[];
  /** `--profile`. */
  profiles?: readonly string[];
  /** The shell's environment. */
  environ: Readonly<Record<string, string | undefined>>;
  readFile?: (p: string) => string;
  exists?: (p: string) => boolean;
}

type Raw = Record<string, unknown>;

interface LoadedFile {
  file: YamlFile;
  path: string;
  data: Raw;
}

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function loadProject(opts: LoadOptions): ComposeProject {
  try {
    return load(opts);
  } catch (err) {
    if (err instanceof MiniboxError) throw err;
    throw new MiniboxError(describe(err), 1);
  }
}

function load(opts: LoadOptions): ComposeProject {
  const readFile = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const exists = opts.exists ?? existsSync;
  const warnings: string[] = [];
  const shell: Lookup = (k) => opts.environ[k];

  const files = pickFiles(opts.cwd, opts.files ?? [], opts.environ.COMPOSE_FILE, exists, warnings);
  const first = files[0] ?? opts.cwd;
  const workingDir = opts.projectDirectory ? path.resolve(opts.cwd, opts.projectDirectory) : path.dirname(first);

  // the project's environment: the shell wins over .env / --env-file, as in Compose
  const dotenv = new Map<string, string>();
  const envFiles = opts.envFiles?.length ? opts.envFiles.map((f) => path.resolve(opts.cwd, f)) : [path.join(workingDir, '.env')];
  for (const f of envFiles) {
    if (!exists(f)) {
      if (opts.envFiles?.length) throw new Error(`couldn't find env file: ${f}`);
      continue;
    }
    const scoped: Lookup = (k) => shell(k) ?? dotenv.get(k);
    for (const [k, v] of parseDotenv(readFile(f), f, scoped)) dotenv.set(k, v);
  }
  const lookup: Lookup = (k) => shell(k) ?? dotenv.get(k);
  const ictx = newContext(lookup);

  const cache = new Map<string, LoadedFile>();
  const readCompose = (p: string): LoadedFile => {
    const hit = cache.get(p);
    if (hit) return hit;
    if (!exists(p)) throw new Error(`open ${p}: no such file or directory`);
    const file = parseYamlFile(path.relative(opts.cwd, p) || p, readFile(p));
    const data = interpolateTree(file, file.data, [], ictx);
    if (!isRaw(data)) throw new ComposeFileError(`${file.name}:1: top-level object must be a mapping`);
    validateComposeFile(file, data);
    const loaded = { file, path: p, data };
    cache.set(p, loaded);
    return loaded;
  };

  let topName: string | undefined;
  const services: Record<string, ServiceConfig> = {};
  const rawNetworks: Record<string, Raw> = {};
  const rawVolumes: Record<string, Raw> = {};
  for (const p of files) {
    const loaded = readCompose(p);
    const { data } = loaded;
    if (data.version !== undefined) {
      warnings.push(`${p}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`);
    }
    if (typeof data.name === 'string') topName = data.name;
    const raws = isRaw(data.services) ? data.services : {};
    for (const name of Object.keys(raws)) {
      const svc = resolveService(loaded, name, workingDir, readCompose, []);
      services[name] = services[name] ? mergeService(services[name], svc) : svc;
    }
    for (const [key, target] of [['networks', rawNetworks], ['volumes', rawVolumes]] as const) {
      const section = data[key];
      if (!isRaw(section)) continue;
      for (const [n, cfg] of Object.entries(section)) target[n] = { ...(target[n] ?? {}), ...(isRaw(cfg) ? cfg : {}) };
    }
  }

  const name = pickProjectName({
    flag: opts.projectName,
    env: lookup('COMPOSE_PROJECT_NAME'),
    fileName: topName,
    folder: path.basename(workingDir),
  });

  for (const svc of Object.values(services)) {
    resolveEnvironment(svc, lookup, readFile, exists);
    // a service without `networks:` is on the project's default network, as Compose prints it
    svc.networks ??= { default: null };
    linkDependencies(svc);
  }

  // profiles: a service without profiles is always on; '*' turns every profile on
  const active = new Set([...(opts.profiles ?? []), ...(lookup('COMPOSE_PROFILES') ?? '').split(',').map((s) => s.trim()).filter(Boolean)]);
  const enabled: Record<string, ServiceConfig> = {};
  const disabled: Record<string, ServiceConfig> = {};
  for (const key of Object.keys(services).sort()) {
    const svc = services[key];
    if (!svc) continue;
    const on = !svc.profiles?.length || active.has('*') || svc.profiles.some((p) => active.has(p));
    (on ? enabled : disabled)[key] = svc;
  }

  const networks = namedResources(name, rawNetworks) as Record<string, NetworkConfig>;
  const volumes = namedResources(name, rawVolumes) as Record<string, VolumeConfig>;
  const usesDefault = Object.values(enabled).some((s) => s.networks && 'default' in s.networks);
  if (usesDefault && !networks.default) networks.default = { name: `${name}_default` };

  checkReferences(enabled, disabled, networks, volumes);
  return { name, workingDir, configFiles: files, services: enabled, disabledServices: disabled, networks, volumes, warnings: [...warnings, ...ictx.warnings] };
}

/** Every string value interpolated; errors carry the file, the line and the path. */
function interpolateTree(file: YamlFile, v: unknown, at: PathSegment[], ctx: InterpolateContext): unknown {
  if (typeof v === 'string') {
    try {
      return interpolate(v, ctx);
    } catch (err) {
      if (err instanceof InterpolationError) {
        throw new ComposeFileError(`${file.name}:${file.lineOf(at)}: error while interpolating ${dotted(at)}: ${err.message}`);
      }
      throw err;
    }
  }
  if (Array.isArray(v)) return v.map((x, i) => interpolateTree(file, x, [...at, i], ctx));
  if (isRaw(v)) {
    const out: Raw = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolateTree(file, x, [...at, k], ctx);
    return out;
  }
  return v;
}

/** A service of one file with its `extends` chain merged under it (the base first). */
function resolveService(
  loaded: LoadedFile,
  name: string,
  baseDir: string,
  readCompose: (p: string) => LoadedFile,
  stack: string[],
): ServiceConfig {
  const key = `${loaded.path}#${name}`;
  if (stack.includes(key)) {
    throw new ComposeFileError(`${loaded.file.name}: circular reference with extends in service "${name}"`);
  }
  const raws = isRaw(loaded.data.services) ? loaded.data.services : {};
  const raw = raws[name];
  if (!isRaw(raw)) {
    throw new ComposeFileError(`${loaded.file.name}: cannot extend service "${name}": the file has no such service`);
  }
  const own = normalizeService(name, raw, baseDir);
  const ext = raw.extends;
  if (ext === undefined) return own;
  const target = typeof ext === 'string' ? { service: ext } : (ext as { service: string; file?: string });
  let from = loaded;
  let fromDir = baseDir;
  if (target.file) {
    const p = path.resolve(path.dirname(loaded.path), target.file);
    from = readCompose(p);
    // paths in another file are relative to that file's folder
    fromDir = path.dirname(p);
  }
  const base = resolveService(from, target.service, fromDir, readCompose, [...stack, key]);
  return mergeService({ ...base, name }, own);
}

/** env_file values, then `environment`, then bare keys looked up in the project's environment. */
function resolveEnvironment(svc: ServiceConfig, lookup: Lookup, readFile: (p: string) => string, exists: (p: string) => boolean): void {
  if (!svc.env_file && !svc.environment) return;
  const env: Record<string, string | null> = {};
  for (const ref of svc.env_file ?? []) {
    if (!exists(ref.path)) {
      if (ref.required) throw new Error(`env file ${ref.path} not found: stat ${ref.path}: no such file or directory`);
      continue;
    }
    for (const [k, v] of parseDotenv(readFile(ref.path), ref.path, lookup)) env[k] = v;
  }
  for (const [k, v] of Object.entries(svc.environment ?? {})) env[k] = v ?? lookup(k) ?? null;
  svc.environment = env;
}

/** A link is a dependency too (Compose starts the linked service first): `db:alias` → depends_on db. */
function linkDependencies(svc: ServiceConfig): void {
  for (const link of svc.links ?? []) {
    const target = link.split(':')[0] ?? '';
    svc.depends_on ??= {};
    svc.depends_on[target] ??= { condition: 'service_started', required: true };
  }
}

function namedResources(project: string, raws: Record<string, Raw>): Record<string, NetworkConfig | VolumeConfig> {
  const out: Record<string, NetworkConfig | VolumeConfig> = {};
  for (const [key, cfg] of Object.entries(raws)) {
    const external = cfg.external === true || cfg.external === 'true';
    const given = typeof cfg.name === 'string' ? cfg.name : undefined;
    const r: NetworkConfig = { name: given ?? (external ? key : `${project}_${key}`) };
    if (external) r.external = true;
    if (typeof cfg.driver === 'string') r.driver = cfg.driver;
    const ipam = isRaw(cfg.ipam) && Array.isArray(cfg.ipam.config) ? cfg.ipam.config[0] : undefined;
    if (isRaw(ipam) && typeof ipam.subnet === 'string') r.subnet = ipam.subnet;
    out[key] = r;
  }
  return out;
}

function checkReferences(
  services: Record<string, ServiceConfig>,
  disabled: Record<string, ServiceConfig>,
  networks: Record<string, NetworkConfig>,
  volumes: Record<string, VolumeConfig>,
): void {
  for (const svc of Object.values(services)) {
    if (!svc.image && !svc.build) {
      throw new Error(`service "${svc.name}" has neither an image nor a build context specified: invalid compose project`);
    }
    // links first: each also made a depends_on entry (linkDependencies), and a malformed one
    // should be named as the link it is
    for (const link of svc.links ?? []) {
      const [target = '', alias, extra] = link.split(':');
      if (target === '' || alias === '' || extra !== undefined) throw new Error(`service "${svc.name}": invalid link "${link}": use SERVICE or SERVICE:ALIAS`);
    }
    try {
      exposeKeys(svc.expose ?? []);
    } catch (err) {
      throw new Error(`service "${svc.name}": ${describe(err)}`);
    }
    for (const [dep, d] of Object.entries(svc.depends_on ?? {})) {
      if (services[dep]) continue;
      if (disabled[dep]) {
        if (d.required) throw new Error(`service "${svc.name}" depends on "${dep}", which is disabled by its profiles: enable one with --profile`);
        continue;
      }
      if (d.required) throw new Error(`service "${svc.name}" depends on undefined service "${dep}": invalid compose project`);
    }
    for (const n of Object.keys(svc.networks ?? {})) {
      if (!networks[n]) throw new Error(`service "${svc.name}" refers to undefined network ${n}: invalid compose project`);
    }
    for (const v of svc.volumes ?? []) {
      if (v.type === 'volume' && v.source && !volumes[v.source]) {
        throw new Error(`service "${svc.name}" refers to undefined volume ${v.source}: invalid compose project`);
      }
    }
  }
  dependencyOrder(services);
}

/**
 * The services in an order where every service comes after those it depends on (ties by
 * name, so the order is stable). A cycle is an error naming it.
 */
export function dependencyOrder(services: Readonly<Record<string, ServiceConfig>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    const st = state.get(name);
    if (st === 'done') return;
    if (st === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      throw new Error(`dependency cycle detected: ${cycle.join(' -> ')}`);
    }
    state.set(name, 'visiting');
    for (const dep of Object.keys(services[name]?.depends_on ?? {}).sort()) {
      if (services[dep]) visit(dep, [...trail, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services).sort()) visit(name, []);
  return order;
}
