import type { ContainerNet } from './records.js';

/**
 * A container's networking as Docker shows it (inspect's NetworkSettings, ps's PORTS
 * column), from its endpoint record; undefined = not attached (stopped, none, host).
 */
export type PortMap = Record<string, Array<{ HostIp: string; HostPort: string }> | null>;

/** inspect's NetworkSettings.Ports: {"80/tcp": [{HostIp, HostPort}], "443/tcp": null}. */
export function portMap(ep: ContainerNet | undefined): PortMap {
  const out: PortMap = {};
  for (const key of ep?.exposed ?? []) out[key] = null;
  for (const b of ep?.ports ?? []) (out[`${b.containerPort}/${b.proto}`] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  return out;
}

/** ps's PORTS column: "0.0.0.0:8080->80/tcp, 443/tcp". */
export function portsColumn(map: PortMap): string {
  const parts: string[] = [];
  for (const [key, binds] of Object.entries(map)) {
    if (!binds) parts.push(key);
    else for (const b of binds) parts.push(`${b.HostIp}:${b.HostPort}->${key}`);
  }
  return parts.join(', ');
}

/** inspect's NetworkSettings: the address per network and the published ports, Docker-shaped. */
export function networkSettings(ep: ContainerNet | undefined): Record<string, unknown> {
  const networks: Record<string, unknown> = {};
  for (const e of ep?.endpoints ?? []) {
    networks[e.network] = { IPAddress: e.ip, IPPrefixLen: e.prefix, Gateway: e.gateway, Aliases: e.aliases };
  }
  const first = ep?.endpoints[0];
  return {
    IPAddress: first?.ip ?? '',
    IPPrefixLen: first?.prefix ?? 0,
    Gateway: first?.gateway ?? '',
    Ports: portMap(ep),
    Networks: networks,
  };
}
