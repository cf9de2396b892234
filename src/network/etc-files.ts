import { MiniboxError } from '../util/errors.js';
import { goQuote } from '../util/go-quote.js';
import { hasControlCharacter } from './text-checks.js';
import { DEFAULT_NETWORK, type ContainerNet, type HostEntry } from './records.js';

export type { HostEntry };

/**
 * The container's /etc/hosts, /etc/hostname and /etc/resolv.conf, generated like Docker's
 * (libnetwork etchosts and resolvconf): pure functions of their inputs, unit-tested.
 * Written by etc-store.ts.
 */
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

/** --network host: the host's own hosts file, then the entries minibox adds (header dropped). */
export function hostModeHostsFile(hostText: string, generated: string): string {
  return hostText + generated.split('\n').slice(HOSTS_HEADER.length).join('\n');
}

/** Name entries of the other containers on c's user-defined networks. */
function peerEntries(c: ContainerNet, all: ContainerNet[]): HostEntry[] {
  const out: HostEntry[] = [];
  for (const mine of c.endpoints.filter((e) => e.network !== DEFAULT_NETWORK)) {
    for (const other of all.filter((o) => o.id !== c.id)) {
      const theirs = other.endpoints.find((e) => e.network === mine.network);
      if (theirs) out.push({ ip: theirs.ip, names: [other.name, ...theirs.aliases, other.id.slice(0, 12)] });
    }
  }
  return out;
}

/** c's hosts file: its --add-host and link entries, its peers by name, then itself. */
export function hostsFor(c: ContainerNet, all: ContainerNet[]): string {
  const first = c.endpoints[0];
  const self = first ? { ip: first.ip, names: [c.hostname] } : undefined;
  return hostsFile([...c.extraHosts, ...peerEntries(c, all)], self);
}

/** `--add-host name:ip` (Docker also accepts name=ip); Docker's wording on bad input. */
export function parseAddHost(spec: string): HostEntry {
  const sep = spec.includes('=') ? spec.indexOf('=') : spec.indexOf(':');
  const name = sep === -1 ? '' : spec.slice(0, sep);
  const ip = sep === -1 ? '' : spec.slice(sep + 1).replace(/^\[|\]$/g, '');
  const flag = `invalid argument ${goQuote(spec)} for "--add-host" flag`;
  if (name === '' || ip === '') throw new MiniboxError(`${flag}: bad format for add-host: ${goQuote(spec)}`);
  // a newline in the name would write a hosts line of the caller's choosing
  if (hasControlCharacter(name)) throw new MiniboxError(`${flag}: invalid hostname in add-host: ${goQuote(name)}`);
  if (!/^[0-9.]+$/.test(ip) && !/^[0-9a-fA-F:]+$/.test(ip)) throw new MiniboxError(`${flag}: invalid IP address in add-host: ${goQuote(ip)}`);
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
