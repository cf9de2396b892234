import { MiniboxError } from '../util/errors.js';
import type { Listener } from '../linux/network/host-listeners.js';
import type { PortBinding, PortSpec, Proto } from './port-specs.js';
import type { ContainerNet } from './records.js';

/**
 * Host ports for a container's -p/-P specs, against what the host listens on and what the
 * other containers already publish, with Docker's messages when one is taken. Pure: the
 * caller holds the network lock and passes every endpoint record.
 */
const EPHEMERAL = { first: 32768, last: 60999 }; // Docker's (and Linux's default) ephemeral range

interface HostSocket {
  proto: Proto;
  ip: string;
  port: number;
}
type Taken = HostSocket & { owner?: string };

/** Same port and protocol, and the addresses overlap (either side a wildcard, or equal). */
export function clashes(a: HostSocket, b: HostSocket): boolean {
  const wild = (ip: string) => ip === '' || ip === '0.0.0.0';
  return a.proto === b.proto && a.port === b.port && (wild(a.ip) || wild(b.ip) || a.ip === b.ip);
}

function conflict(name: string, id: string, want: Taken, by: Taken): MiniboxError {
  const head = `driver failed programming external connectivity on endpoint ${name} (${id})`;
  const ip = want.ip || '0.0.0.0';
  if (by.owner) return new MiniboxError(`${head}: Bind for ${ip}:${want.port} failed: port is already allocated`);
  return new MiniboxError(`${head}: failed to bind port ${ip}:${want.port}/${want.proto}: Error starting userland proxy: listen ${want.proto} ${ip}:${want.port}: bind: address already in use`);
}

/** Host ports for the specs: the given one, the first free one of a range, or a free ephemeral one. */
export function choosePorts(specs: PortSpec[], others: ContainerNet[], who: { id: string; name: string }, listeners: Listener[]): PortBinding[] {
  const taken: Taken[] = [...listeners, ...others.flatMap((c) => c.ports.map((p) => ({ proto: p.proto, ip: p.hostIp, port: p.hostPort, owner: c.id })))];
  const out: PortBinding[] = [];
  for (const s of specs) {
    const ip = s.hostIp || '0.0.0.0';
    const [first, last] = s.hostStart === 0 ? [EPHEMERAL.first, EPHEMERAL.last] : [s.hostStart, s.hostEnd];
    let chosen: number | undefined;
    let blocker: Taken | undefined;
    for (let port = first; port <= last && chosen === undefined; port++) {
      const want = { proto: s.proto, ip, port };
      blocker = taken.find((t) => clashes(want, t));
      if (!blocker) chosen = port;
    }
    if (chosen === undefined) {
      if (blocker && first === last) throw conflict(who.name, who.id, { proto: s.proto, ip, port: first }, blocker);
      throw new MiniboxError(`driver failed programming external connectivity on endpoint ${who.name} (${who.id}): all ports from ${first} to ${last} are allocated`);
    }
    out.push({ hostIp: ip, hostPort: chosen, containerPort: s.containerPort, proto: s.proto });
    taken.push({ proto: s.proto, ip, port: chosen, owner: who.id });
  }
  return out;
}
