import type { HostEntry } from './etc-files.js';

/**
 * Docker's legacy links (`--link db:alias`): environment variables describing the linked
 * container (daemon/links/links.go ToEnv) and its /etc/hosts line. Pure.
 */
export interface LinkTarget {
  alias: string;
  name: string; // the linked container's name, without '/'
  hostname: string;
  ip: string;
  exposed: string[]; // "3306/tcp"
  env: string[]; // the linked container's environment
}

function sortPorts(ports: string[]): Array<{ port: number; proto: string }> {
  return ports
    .map((p) => {
      const [port = '0', proto = 'tcp'] = p.split('/');
      return { port: Number(port), proto };
    })
    .sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
}

export function linkEnv(link: LinkTarget, parentName: string): string[] {
  const alias = link.alias.toUpperCase().replace(/-/g, '_');
  const ports = sortPorts(link.exposed);
  const env: string[] = [];
  const first = ports[0];
  if (first) env.push(`${alias}_PORT=${first.proto}://${link.ip}:${first.port}`);
  for (const { port, proto } of ports) {
    const prefix = `${alias}_PORT_${port}_${proto.toUpperCase()}`;
    env.push(`${prefix}=${proto}://${link.ip}:${port}`, `${prefix}_ADDR=${link.ip}`, `${prefix}_PORT=${port}`, `${prefix}_PROTO=${proto}`);
  }
  env.push(`${alias}_NAME=/${parentName}/${link.alias}`);
  for (const e of link.env) {
    const eq = e.indexOf('=');
    const key = eq === -1 ? e : e.slice(0, eq);
    if (eq === -1 || key === 'HOME' || key === 'PATH' || key === 'HOSTNAME') continue;
    env.push(`${alias}_ENV_${key}=${e.slice(eq + 1)}`);
  }
  return env;
}

export function linkHost(link: LinkTarget): HostEntry {
  return { ip: link.ip, names: [link.alias, link.hostname, link.name] };
}

/** "name[:alias]"; the alias defaults to the name. */
export function parseLink(spec: string): { name: string; alias: string } {
  const [name = '', alias] = spec.split(':');
  return { name: name.replace(/^\//, ''), alias: alias || name.replace(/^\//, '') };
}
