import { readFileSync } from 'node:fs';
import { MiniboxError } from '../../util/errors.js';

/**
 * The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, generated like Docker's
 * (libnetwork etchosts and resolvconf): pure functions of their inputs, unit-tested.
 */
export interface HostEntry {
  ip: string;
  names: string[];
}

const HOSTS_HEADER = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Docker's order: the standard lines, --add-host, links / network peers, then the container itself. */
export function hostsFile(extra: HostEntry[], self: HostEntry | undefined): string {
  const lines = [...HOSTS_HEADER];
  for (const e of [...extra, ...(self ? [self] : [])]) {
    const names = [...new Set(e.names.filter((n) => n !== ''))];
    if (names.length > 0) lines.push(`${e.ip}\t${names.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `--add-host name:ip` (Docker also accepts name=ip); Docker's wording on bad input. */
export function parseAddHost(spec: string): HostEntry {
  const sep = spec.includes('=') ? spec.indexOf('=') : spec.indexOf(':');
  const name = sep === -1 ? '' : spec.slice(0, sep);
  const ip = sep === -1 ? '' : spec.slice(sep + 1).replace(/^\[|\]$/g, '');
  const flag = `invalid argument "${spec}" for "--add-host" flag`;
  if (name === '' || ip === '') throw new MiniboxError(`${flag}: bad format for add-host: "${spec}"`);
  if (!/^[0-9.]+$/.test(ip) && !/^[0-9a-fA-F:]+$/.test(ip)) throw new MiniboxError(`${flag}: invalid IP address in add-host: "${ip}"`);
  return { ip, names: [name] };
}

export interface ResolvInput {
  hostText: string; // the host's resolv.conf
  dns?: string[]; // --dns
  dnsSearch?: string[];
  dnsOptions?: string[];
}

/** Docker's fallback when the host has only loopback resolvers, which the container cannot reach. */
export const DEFAULT_DNS = ['8.8.8.8', '8.8.4.4'];

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

export function resolvConf(input: ResolvInput): string {
  const lines = input.hostText.split('\n').map((l) => l.trim());
  const field = (kw: string) => lines.filter((l) => l.startsWith(`${kw} `) || l.startsWith(`${kw}\t`)).map((l) => l.slice(kw.length).trim());
  let servers = input.dns && input.dns.length > 0 ? input.dns : field('nameserver').filter((s) => !isLoopback(s));
  // IPv6 resolvers are unreachable without IPv6 on the bridge (Docker drops them too)
  if (!input.dns?.length) servers = servers.filter((s) => !s.includes(':'));
  if (servers.length === 0) servers = DEFAULT_DNS;
  const search = input.dnsSearch?.length ? input.dnsSearch.join(' ') : field('search').at(-1);
  const options = input.dnsOptions?.length ? input.dnsOptions.join(' ') : field('options').join(' ');
  const out = servers.map((s) => `nameserver ${s}`);
  if (search) out.push(`search ${search}`);
  if (options) out.push(`options ${options}`);
  return `${out.join('\n')}\n`;
}

/** The host's resolv.conf; behind systemd-resolved's stub (127.0.0.53) the real upstream list. */
export function hostResolvConf(): string {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  const main = read('/etc/resolv.conf');
  if (/^\s*nameserver\s+127\.0\.0\.53\b/m.test(main)) return read('/run/systemd/resolve/resolv.conf') || main;
  return main;
}
