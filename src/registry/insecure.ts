import { BlockList, isIP } from 'node:net';

/**
 * Which registries may be spoken to without verified TLS, as Docker decides: loopback
 * always (localhost, 127.0.0.0/8, ::1, any port), and the `insecure-registries` of the
 * configuration, each a `host[:port]` or a CIDR. A CIDR matches a registry named by an IP
 * address in it; a registry named by a host name matches only a `host[:port]` entry (Docker
 * also resolves the name to test it against CIDRs; minibox does not resolve names here, so
 * list such a registry by name).
 */
export function isLoopbackHost(host: string): boolean {
  const hostname = new URL(`http://${host}`).hostname;
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export class InsecureRegistries {
  private readonly names = new Set<string>();
  private readonly nets = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) this.add(entry);
  }

  add(entry: string): void {
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    const family = cidr ? isIP(cidr[1] ?? '') : 0;
    if (cidr && family !== 0) this.nets.addSubnet(cidr[1] ?? '', Number(cidr[2]), family === 4 ? 'ipv4' : 'ipv6');
    else this.names.add(entry.toLowerCase());
  }

  /** `host` as in a URL's host: name or address, with an optional port. */
  has(host: string): boolean {
    const lower = host.toLowerCase();
    if (isLoopbackHost(lower)) return true;
    const hostname = new URL(`http://${lower}`).hostname;
    if (this.names.has(lower) || this.names.has(hostname)) return true;
    const bare = hostname.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(bare);
    return family !== 0 && this.nets.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  }
}
