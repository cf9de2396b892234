import { MiniboxError } from '../util/errors.js';
import { ipToInt } from './addresses.js';

/**
 * `-p [ip:][hostPort[-end]:]containerPort[-end][/proto]` parsed as Docker's
 * go-connections nat.ParsePortSpec does, with its error wording; and the image's
 * ExposedPorts as -P publishes them.
 */
export type Proto = 'tcp' | 'udp';

export interface PortSpec {
  hostIp: string; // '' = every address (Docker shows 0.0.0.0)
  hostStart: number; // 0 = any free port
  hostEnd: number;
  containerPort: number;
  proto: Proto;
}

/** One published port as it ends up: what ps, port and inspect show. */
export interface PortBinding {
  hostIp: string; // '0.0.0.0' or the address given
  hostPort: number;
  containerPort: number;
  proto: Proto;
}

function parseRange(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const last = parts[n - 1] ?? '';
  if (n === 1) return ['', '', last];
  if (n === 2) return ['', parts[0] ?? '', last];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2] ?? '', last];
}

export function parsePortSpec(raw: string): PortSpec[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  let proto = 'tcp';
  const slash = containerPort.indexOf('/');
  if (slash !== -1) [containerPort, proto] = [containerPort.slice(0, slash), containerPort.slice(slash + 1).toLowerCase()];
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== '' && ipToInt(ip) === undefined) throw new MiniboxError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new MiniboxError(`no port specified: ${raw}<empty>`);
  const c = parseRange(containerPort);
  if (!c) throw new MiniboxError(`invalid containerPort: ${containerPort}`);
  let h: [number, number] = [0, 0];
  if (hostPort !== '') {
    const parsed = parseRange(hostPort);
    if (!parsed) throw new MiniboxError(`invalid hostPort: ${hostPort}`);
    h = parsed;
    if (h[1] - h[0] !== c[1] - c[0] && c[1] !== c[0]) {
      throw new MiniboxError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  if (proto !== 'tcp' && proto !== 'udp') throw new MiniboxError(`invalid proto: ${proto}`);
  const out: PortSpec[] = [];
  for (let p = c[0]; p <= c[1]; p++) {
    const i = p - c[0];
    // a host range for one container port means "any free port of the range"
    const [hs, he] = hostPort === '' ? [0, 0] : c[0] === c[1] ? h : [h[0] + i, h[0] + i];
    out.push({ hostIp: ip === '0.0.0.0' ? '' : ip, hostStart: hs, hostEnd: he, containerPort: p, proto: proto as Proto });
  }
  return out;
}

/** Image ExposedPorts keys ("80/tcp", "53/udp", "8080") as -P would publish them. */
export function exposedPortSpecs(exposed: Record<string, object> | undefined): PortSpec[] {
  const out: PortSpec[] = [];
  for (const key of Object.keys(exposed ?? {})) {
    const [port = '', proto = 'tcp'] = key.split('/');
    const r = parseRange(port);
    if (!r || (proto !== 'tcp' && proto !== 'udp')) continue;
    for (let p = r[0]; p <= r[1]; p++) out.push({ hostIp: '', hostStart: 0, hostEnd: 0, containerPort: p, proto });
  }
  return out;
}

/** The -p specs, then -P's exposed ports that no -p already names (Docker: -p wins). */
export function publishedSpecs(published: PortSpec[], exposedByP: PortSpec[]): PortSpec[] {
  return [...published, ...exposedByP.filter((e) => !published.some((p) => p.containerPort === e.containerPort && p.proto === e.proto))];
}

/** "3306/tcp" keys the container exposes: the image's ExposedPorts plus every published port. */
export function exposedKeys(exposed: Record<string, object> | undefined, ports: PortSpec[]): string[] {
  const keys = new Set(Object.keys(exposed ?? {}).map((k) => (k.includes('/') ? k : `${k}/tcp`)));
  for (const p of ports) keys.add(`${p.containerPort}/${p.proto}`);
  return [...keys];
}
