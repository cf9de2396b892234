import { readFileSync } from 'node:fs';
import { MiniboxError } from '../../util/errors.js';
import { ipToInt } from './addr.js';

/**
 * `-p [ip:][hostPort[-end]:]containerPort[-end][/proto]` parsed as Docker's
 * go-connections nat.ParsePortSpec does, with its error wording; and what the host
 * already listens on, read from /proc/net/{tcp,udp}{,6} (no probing traffic).
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

export interface Listener {
  proto: Proto;
  ip: string; // '0.0.0.0' for wildcard (v4 or v6)
  port: number;
}

/** Sockets bound on the host: TCP in LISTEN, UDP bound. */
export function parseProcNet(text: string, proto: Proto, v6: boolean): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || (proto === 'tcp' && f[3] !== '0A')) continue;
    const [addr = '', port = ''] = local.split(':');
    const wildcard = /^0+$/.test(addr);
    const ip = wildcard ? '0.0.0.0' : v6 ? addr : hexToIpv4(addr);
    out.push({ proto, ip, port: parseInt(port, 16) });
  }
  return out;
}

function hexToIpv4(hex: string): string {
  const n = parseInt(hex, 16) >>> 0;
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

export function hostListeners(): Listener[] {
  const out: Listener[] = [];
  for (const [file, proto, v6] of [['tcp', 'tcp', false], ['tcp6', 'tcp', true], ['udp', 'udp', false], ['udp6', 'udp', true]] as const) {
    try {
      out.push(...parseProcNet(readFileSync(`/proc/net/${file}`, 'utf8'), proto, v6));
    } catch {
      // no IPv6 on this host
    }
  }
  return out;
}

/** Same port and protocol, and the addresses overlap (either side a wildcard, or equal). */
export function clashes(a: { proto: Proto; ip: string; port: number }, b: { proto: Proto; ip: string; port: number }): boolean {
  const wild = (ip: string) => ip === '' || ip === '0.0.0.0';
  return a.proto === b.proto && a.port === b.port && (wild(a.ip) || wild(b.ip) || a.ip === b.ip);
}

export function formatBinding(b: PortBinding): string {
  return `${b.hostIp}:${b.hostPort}->${b.containerPort}/${b.proto}`;
}
