import { expectObject, optStringArray, optNumber, reqString, type JsonObject } from '../util/json.js';
import { MiniboxError } from '../util/errors.js';
import type { BridgeAttachment } from '../linux/network/netlink.js';
import type { PortBinding } from './port-specs.js';

/**
 * The two records of minibox networking (stored by store.ts): a network's definition, and
 * one container's attachment to its networks. Parsed, not cast, when read back.
 */
export const DEFAULT_NETWORK = 'bridge';
export const DEFAULT_BRIDGE = 'minibox0';

export interface NetworkDef {
  name: string;
  id: string;
  driver: 'bridge';
  subnet: string;
  gateway: string;
  bridge: string;
  created: string;
}

export interface Endpoint {
  network: string;
  bridge: string;
  ip: string;
  prefix: number;
  gateway: string;
  veth: string; // host side
  ifname: string; // inside: eth0, eth1...
  aliases: string[]; // names this container answers to on the network
}

/** One /etc/hosts line: an address and its names (etc-files.ts writes them). */
export interface HostEntry {
  ip: string;
  names: string[];
}

export interface ContainerNet {
  id: string;
  name: string;
  hostname: string;
  endpoints: Endpoint[];
  ports: PortBinding[];
  exposed: string[]; // "3306/tcp": image ExposedPorts plus published container ports
  tag: string; // comment on its iptables rules
  dir: string; // the container's state dir (its hosts file), whatever its MINIBOX_ROOT
  extraHosts: HostEntry[]; // --add-host and links: kept to rewrite /etc/hosts later
}

/** The endpoint of container `id` on net: its index-th interface, veth named after the id. */
export function newEndpoint(net: NetworkDef, ip: string, id: string, index: number, aliases: string[]): Endpoint {
  return {
    network: net.name,
    bridge: net.bridge,
    ip,
    prefix: Number(net.subnet.split('/')[1]),
    gateway: net.gateway,
    veth: index === 0 ? `mbx${id.slice(0, 10)}` : `mbx${id.slice(0, 10)}n${index}`,
    ifname: `eth${index}`,
    aliases,
  };
}

/** What the shim's netlink code needs to plug the endpoint in. */
export function attachmentOf(e: Endpoint): BridgeAttachment {
  return { bridge: e.bridge, bridgeCidr: `${e.gateway}/${e.prefix}`, veth: e.veth, cidr: `${e.ip}/${e.prefix}`, gateway: e.gateway };
}

/** The iptables comment on a container's DNAT rules. */
export function ruleTag(id: string): string {
  return `mbx-${id.slice(0, 12)}`;
}

function objects(o: JsonObject, key: string, what: string): JsonObject[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MiniboxError(`invalid ${what}: "${key}" must be an array`);
  return v.map((x) => expectObject(x, `${what} ${key}`));
}

function reqNumber(o: JsonObject, key: string, what: string): number {
  const v = optNumber(o, key, what);
  if (v === undefined) throw new MiniboxError(`invalid ${what}: missing "${key}"`);
  return v;
}

export function parseNetworkDef(json: unknown): NetworkDef {
  const what = 'network record';
  const o = expectObject(json, what);
  const driver = reqString(o, 'driver', what);
  if (driver !== 'bridge') throw new MiniboxError(`invalid ${what}: driver ${driver}`);
  const s = (k: string) => reqString(o, k, what);
  return { name: s('name'), id: s('id'), driver, subnet: s('subnet'), gateway: s('gateway'), bridge: s('bridge'), created: s('created') };
}

function parseEndpoint(o: JsonObject, what: string): Endpoint {
  const s = (k: string) => reqString(o, k, what);
  return { network: s('network'), bridge: s('bridge'), ip: s('ip'), prefix: reqNumber(o, 'prefix', what), gateway: s('gateway'), veth: s('veth'), ifname: s('ifname'), aliases: optStringArray(o, 'aliases', what) ?? [] };
}

function parseBinding(o: JsonObject, what: string): PortBinding {
  const proto = reqString(o, 'proto', what);
  if (proto !== 'tcp' && proto !== 'udp') throw new MiniboxError(`invalid ${what}: proto ${proto}`);
  return { hostIp: reqString(o, 'hostIp', what), hostPort: reqNumber(o, 'hostPort', what), containerPort: reqNumber(o, 'containerPort', what), proto };
}

export function parseContainerNet(json: unknown): ContainerNet {
  const what = 'endpoint record';
  const o = expectObject(json, what);
  const s = (k: string) => reqString(o, k, what);
  return {
    id: s('id'),
    name: s('name'),
    hostname: s('hostname'),
    endpoints: objects(o, 'endpoints', what).map((e) => parseEndpoint(e, `${what} endpoint`)),
    ports: objects(o, 'ports', what).map((p) => parseBinding(p, `${what} port`)),
    exposed: optStringArray(o, 'exposed', what) ?? [],
    tag: s('tag'),
    dir: s('dir'),
    extraHosts: objects(o, 'extraHosts', what).map((h) => ({ ip: reqString(h, 'ip', what), names: optStringArray(h, 'names', what) ?? [] })),
  };
}
