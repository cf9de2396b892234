/**
 * One file's raw service mapping (already interpolated and schema-checked) → the canonical
 * ServiceConfig of model.ts. Short syntaxes become long ones (ports, volumes, depends_on,
 * build), lists become maps (environment, labels, networks), string commands are split into
 * words as a shell would, relative paths are made absolute against `baseDir`.
 * Guarantees: pure; an impossible value the schema cannot see (a port spec, a volume spec)
 * is an error naming the service and the key.
 */
import path from 'node:path';
import type {
  BuildConfig,
  DependsOn,
  EnvFileRef,
  HealthcheckConfig,
  PortConfig,
  ServiceConfig,
  VolumeMount,
} from './model.js';

type Raw = Record<string, unknown>;

export class ComposeModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeModelError';
  }
}

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

/** Splits a command string into words with sh's quoting rules (no expansions). */
export function shellSplit(s: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) throw new ComposeModelError(`unterminated quote in "${s}"`);
      cur += s.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < s.length && s.charAt(i) !== '"') {
        if (s.charAt(i) === '\\' && '"\\$`'.includes(s.charAt(i + 1))) i++;
        cur += s.charAt(i);
        i++;
      }
      if (i >= s.length) throw new ComposeModelError(`unterminated quote in "${s}"`);
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s.charAt(++i);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `[A=1, B]` or `{A: 1, B: null}` → a map; a list entry without `=` is a bare key (null). */
export function listOrDict(v: unknown, sep = '='): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = text(item);
      const i = s.indexOf(sep);
      if (i === -1) out[s] = null;
      else out[s.slice(0, i)] = s.slice(i + 1);
    }
  } else if (isRaw(v)) {
    for (const [k, val] of Object.entries(v)) out[k] = val === null || val === undefined ? null : text(val);
  }
  return out;
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(listOrDict(v))) out[k] = val ?? '';
  return out;
}

function commandOf(v: unknown): string[] | null {
  if (v === null) return null;
  if (typeof v === 'string') return shellSplit(v);
  return (v as unknown[]).map(text);
}

/** Relative paths (and `~`) are taken against the file's folder, as Compose does. */
export function resolvePath(baseDir: string, p: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(process.env.HOME ?? '/root', p.slice(1));
  return path.resolve(baseDir, p);
}

function isPathLike(s: string): boolean {
  return s.startsWith('.') || s.startsWith('/') || s.startsWith('~');
}

function parseIntStrict(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new ComposeModelError(`${what}: invalid port "${s}"`);
  return Number(s);
}

/** `[HOST_IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTO]`, or a bare number, → long-form ports (ranges expanded). */
export function parsePortShort(spec: string, where: string): PortConfig[] {
  let rest = spec;
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  let published: string | undefined;
  let container: string;
  if (hostIp !== undefined) {
    [published, container] = parts.length === 2 ? [parts[0], parts[1] ?? ''] : [undefined, parts[0] ?? ''];
  } else if (parts.length === 1) {
    container = parts[0] ?? '';
  } else if (parts.length === 2) {
    published = parts[0];
    container = parts[1] ?? '';
  } else if (parts.length === 3) {
    hostIp = parts[0];
    published = parts[1];
    container = parts[2] ?? '';
  } else {
    throw new ComposeModelError(`${where}: invalid port "${spec}"`);
  }
  if (published === '') published = undefined;
  const [cFrom, cTo] = rangeOf(container, `${where}`);
  const count = cTo - cFrom + 1;
  let hostRange: [number, number] | undefined;
  if (published !== undefined) {
    hostRange = rangeOf(published, where);
    if (hostRange[1] - hostRange[0] + 1 !== count && count !== 1) {
      throw new ComposeModelError(`${where}: port ranges don't match in "${spec}"`);
    }
  }
  const out: PortConfig[] = [];
  for (let i = 0; i < count; i++) {
    const p: PortConfig = { mode: 'ingress', target: cFrom + i, protocol };
    if (hostIp) p.host_ip = hostIp;
    if (hostRange) p.published = count === 1 ? (published ?? '') : String(hostRange[0] + i);
    out.push(p);
  }
  return out;
}

function rangeOf(s: string, where: string): [number, number] {
  const dash = s.indexOf('-');
  if (dash === -1) {
    const n = parseIntStrict(s, where);
    return [n, n];
  }
  const from = parseIntStrict(s.slice(0, dash), where);
  const to = parseIntStrict(s.slice(dash + 1), where);
  if (to < from) throw new ComposeModelError(`${where}: invalid port range "${s}"`);
  return [from, to];
}

function portsOf(v: unknown[], where: string): PortConfig[] {
  const out: PortConfig[] = [];
  for (const item of v) {
    if (isRaw(item)) {
      const target = Number(item.target);
      if (!Number.isInteger(target)) throw new ComposeModelError(`${where}: a long-form port needs a numeric target`);
      const p: PortConfig = { mode: item.mode ? text(item.mode) : 'ingress', target, protocol: item.protocol ? text(item.protocol) : 'tcp' };
      if (item.host_ip) p.host_ip = text(item.host_ip);
      if (item.published !== undefined && item.published !== null) p.published = text(item.published);
      out.push(p);
    } else {
      out.push(...parsePortShort(text(item), where));
    }
  }
  return out;
}

/** `[SOURCE:]TARGET[:MODE]`, or the long form, → a VolumeMount (bind sources made absolute). */
export function parseVolume(item: unknown, baseDir: string, where: string): VolumeMount {
  if (isRaw(item)) {
    const type = text(item.type ?? 'volume');
    if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') {
      throw new ComposeModelError(`${where}: volume type "${type}" is not supported by minibox`);
    }
    if (typeof item.target !== 'string') throw new ComposeModelError(`${where}: a volume needs a target`);
    const m: VolumeMount = { type, target: item.target };
    if (typeof item.source === 'string' && item.source !== '') {
      m.source = type === 'bind' ? resolvePath(baseDir, item.source) : item.source;
    }
    if (item.read_only === true || item.read_only === 'true') m.read_only = true;
    return m;
  }
  const spec = text(item);
  const parts = spec.split(':');
  if (parts.length === 1) return { type: 'volume', target: spec };
  const [source = '', target = '', mode] = parts;
  if (parts.length > 3 || target === '') throw new ComposeModelError(`${where}: invalid volume specification "${spec}"`);
  const bind = isPathLike(source);
  const m: VolumeMount = { type: bind ? 'bind' : 'volume', source: bind ? resolvePath(baseDir, source) : source, target };
  if (mode !== undefined && mode.split(',').includes('ro')) m.read_only = true;
  return m;
}

function dependsOf(v: unknown): Record<string, DependsOn> {
  const out: Record<string, DependsOn> = {};
  if (Array.isArray(v)) {
    for (const name of v) out[text(name)] = { condition: 'service_started', required: true };
  } else if (isRaw(v)) {
    for (const [name, d] of Object.entries(v)) {
      const r = isRaw(d) ? d : {};
      const dep: DependsOn = {
        condition: (r.condition as DependsOn['condition'] | undefined) ?? 'service_started',
        required: r.required === undefined ? true : r.required === true || r.required === 'true',
      };
      if (r.restart !== undefined) dep.restart = r.restart === true || r.restart === 'true';
      out[name] = dep;
    }
  }
  return out;
}

function buildOf(v: unknown, baseDir: string): BuildConfig {
  if (typeof v === 'string') return { context: resolvePath(baseDir, v) };
  const r = isRaw(v) ? v : {};
  const b: BuildConfig = { context: resolvePath(baseDir, typeof r.context === 'string' ? r.context : '.') };
  if (typeof r.dockerfile === 'string') b.dockerfile = r.dockerfile;
  if (r.args !== undefined) b.args = listOrDict(r.args);
  if (typeof r.target === 'string') b.target = r.target;
  if (r.labels !== undefined) b.labels = labelsOf(r.labels);
  return b;
}

function healthOf(v: Raw): HealthcheckConfig {
  const h: HealthcheckConfig = {};
  if (typeof v.test === 'string') h.test = ['CMD-SHELL', v.test];
  else if (Array.isArray(v.test)) h.test = v.test.map(text);
  for (const k of ['interval', 'timeout', 'start_period', 'start_interval'] as const) {
    if (v[k] !== undefined) h[k] = text(v[k]);
  }
  if (v.retries !== undefined) h.retries = Number(v.retries);
  if (v.disable === true || v.disable === 'true') h.disable = true;
  return h;
}

function boolOf(v: unknown): boolean {
  return v === true || v === 'true';
}

/** A count such as pids_limit (-1: unlimited, as Docker takes it). */
function wholeNumber(v: unknown, where: string): number {
  const n = Number(v);
  if (typeof v === 'boolean' || String(v).trim() === '' || !Number.isInteger(n)) throw new ComposeModelError(`${where}: "${text(v)}" is not a whole number`);
  return n;
}

/**
 * deploy.resources → the service-level keys, as Compose does when it runs without swarm:
 * limits.memory → mem_limit, limits.cpus → cpus, limits.pids → pids_limit,
 * reservations.memory → mem_reservation. A key given at the service level wins (Compose
 * refuses different values for both; the same value twice is fine).
 */
function deployResources(s: ServiceConfig, deploy: unknown): void {
  if (!isRaw(deploy) || !isRaw(deploy.resources)) return;
  const { limits, reservations } = deploy.resources;
  const where = `services.${s.name}.deploy.resources`;
  const set = (key: 'mem_limit' | 'mem_reservation' | 'cpus', v: unknown, from: string): void => {
    if (v === undefined || v === null) return;
    const value = text(v);
    if (s[key] !== undefined && s[key] !== value) {
      throw new ComposeModelError(`services.${s.name}: ${key} "${s[key]}" and ${where}.${from} "${value}" differ: give one of them`);
    }
    s[key] = value;
  };
  if (isRaw(limits)) {
    set('mem_limit', limits.memory, 'limits.memory');
    set('cpus', limits.cpus, 'limits.cpus');
    if (limits.pids !== undefined && limits.pids !== null) {
      const pids = wholeNumber(limits.pids, `${where}.limits.pids`);
      if (s.pids_limit !== undefined && s.pids_limit !== pids) {
        throw new ComposeModelError(`services.${s.name}: pids_limit ${s.pids_limit} and ${where}.limits.pids ${pids} differ: give one of them`);
      }
      s.pids_limit = pids;
    }
  }
  if (isRaw(reservations)) set('mem_reservation', reservations.memory, 'reservations.memory');
}

/** A raw service (one file) → the canonical form. Keys minibox ignores are dropped here. */
export function normalizeService(name: string, raw: Raw, baseDir: string): ServiceConfig {
  const where = `services.${name}`;
  const s: ServiceConfig = { name };
  if (raw.image !== undefined) s.image = text(raw.image);
  if (raw.build !== undefined) s.build = buildOf(raw.build, baseDir);
  if (raw.command !== undefined) s.command = commandOf(raw.command);
  if (raw.entrypoint !== undefined) s.entrypoint = commandOf(raw.entrypoint);
  if (raw.environment !== undefined) s.environment = listOrDict(raw.environment);
  if (raw.env_file !== undefined) {
    const list = Array.isArray(raw.env_file) ? raw.env_file : [raw.env_file];
    s.env_file = list.map((e): EnvFileRef =>
      isRaw(e)
        ? { path: resolvePath(baseDir, text(e.path)), required: e.required === undefined ? true : boolOf(e.required) }
        : { path: resolvePath(baseDir, text(e)), required: true },
    );
  }
  if (Array.isArray(raw.ports)) s.ports = portsOf(raw.ports, `${where}.ports`);
  if (Array.isArray(raw.expose)) s.expose = raw.expose.map(text);
  if (Array.isArray(raw.volumes)) s.volumes = raw.volumes.map((v, i) => parseVolume(v, baseDir, `${where}.volumes[${i}]`));
  if (raw.tmpfs !== undefined) s.tmpfs = Array.isArray(raw.tmpfs) ? raw.tmpfs.map(text) : [text(raw.tmpfs)];
  if (raw.networks !== undefined) {
    const nets: Record<string, { aliases?: string[] } | null> = {};
    if (Array.isArray(raw.networks)) for (const n of raw.networks) nets[text(n)] = null;
    else if (isRaw(raw.networks)) {
      for (const [n, cfg] of Object.entries(raw.networks)) {
        nets[n] = isRaw(cfg) && Array.isArray(cfg.aliases) ? { aliases: cfg.aliases.map(text) } : null;
      }
    }
    s.networks = nets;
  }
  if (raw.depends_on !== undefined) s.depends_on = dependsOf(raw.depends_on);
  if (Array.isArray(raw.links)) s.links = raw.links.map(text);
  if (isRaw(raw.healthcheck)) s.healthcheck = healthOf(raw.healthcheck);
  if (raw.labels !== undefined) s.labels = labelsOf(raw.labels);
  for (const k of ['restart', 'user', 'working_dir', 'hostname', 'stop_signal', 'stop_grace_period', 'container_name', 'mem_limit', 'mem_reservation', 'cpus'] as const) {
    if (raw[k] !== undefined && raw[k] !== null) s[k] = text(raw[k]);
  }
  if (raw.init !== undefined) s.init = boolOf(raw.init);
  if (raw.read_only !== undefined) s.read_only = boolOf(raw.read_only);
  if (raw.pids_limit !== undefined && raw.pids_limit !== null) s.pids_limit = wholeNumber(raw.pids_limit, `${where}.pids_limit`);
  if (Array.isArray(raw.profiles)) s.profiles = raw.profiles.map(text);
  deployResources(s, raw.deploy);
  return s;
}

/**
 * expose: `80`, `53/udp`, `8000-8002` → the "80/tcp" keys a container's exposed ports are
 * kept as. The loader calls it too, so a bad entry fails the load, before `up` creates anything.
 */
export function exposeKeys(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const item of list) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(item);
    if (!m) throw new ComposeModelError(`invalid expose "${item}": use PORT[-PORT][/PROTOCOL]`);
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (to < from || to > 65535) throw new ComposeModelError(`invalid expose "${item}": bad port range`);
    for (let p = from; p <= to; p++) out.push(`${p}/${m[3] ?? 'tcp'}`);
  }
  return out;
}
