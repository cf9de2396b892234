import { fsNow as fs } from '../util/fs-now.js';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { errnoCode, MiniboxError } from '../util/errors.js';
import { trace, traceStep } from '../util/trace-events.js';
import { chooseSubnet, formatSubnet, gatewayOf, overlaps, parseSubnet, type Subnet } from './addresses.js';
import { DEFAULT_BRIDGE, DEFAULT_NETWORK, parseContainerNet, parseNetworkDef, type ContainerNet, type NetworkDef } from './records.js';

/**
 * Network state under /run/minibox/network/ (see networkPaths):
 *   networks/<name>.json   a network's definition (subnet, gateway, bridge)
 *   endpoints/<id>.json    one container's attachment: its addresses, published ports,
 *                          the ports it exposes (for links); present while it runs
 * Allocation = a scan of endpoints/ under the "network" lock, so there is one source of
 * truth per container and nothing to reconcile between two files.
 */
export interface NetworkPaths {
  dir: string;
  networks: string;
  endpoints: string;
  forwardMemo: string; // the host's ip_forward before minibox turned it on
  locks: string;
}

/**
 * Host-wide, not per MINIBOX_ROOT: the bridge, its subnet and the firewall chains are
 * one per host, so two state roots (tests, a user's /var/lib/minibox) must allocate from
 * one table and agree on when the last user is gone. Runtime state, like the bridges.
 */
export function networkPaths(): NetworkPaths {
  const dir = process.env.MINIBOX_NETWORK_STATE ?? '/run/minibox/network';
  return {
    dir,
    networks: path.join(dir, 'networks'),
    endpoints: path.join(dir, 'endpoints'),
    forwardMemo: path.join(dir, 'ip_forward.before'),
    locks: path.join(dir, 'locks'),
  };
}

async function readDirRecords<T>(dir: string, parse: (json: unknown) => T): Promise<T[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: T[] = [];
  for (const n of names.filter((f) => f.endsWith('.json') && !f.startsWith('.'))) {
    try {
      out.push(parse(await readJsonFile(path.join(dir, n))));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err; // removed meanwhile
    }
  }
  return out;
}

export const listNetworks = (np: NetworkPaths) => readDirRecords(np.networks, parseNetworkDef);
export const listEndpoints = (np: NetworkPaths) => readDirRecords(np.endpoints, parseContainerNet);

export async function readEndpoint(np: NetworkPaths, id: string): Promise<ContainerNet | undefined> {
  try {
    return parseContainerNet(await readJsonFile(path.join(np.endpoints, `${id}.json`)));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export async function writeEndpoint(np: NetworkPaths, ep: ContainerNet): Promise<void> {
  await fs.mkdir(np.endpoints, { recursive: true });
  await writeJsonAtomic(path.join(np.endpoints, `${ep.id}.json`), ep);
}

export async function removeEndpoint(np: NetworkPaths, id: string): Promise<void> {
  await fs.rm(path.join(np.endpoints, `${id}.json`), { force: true });
}

function networkFile(np: NetworkPaths, name: string): string {
  return path.join(np.networks, `${name}.json`);
}

export async function findNetwork(np: NetworkPaths, nameOrId: string): Promise<NetworkDef | undefined> {
  const all = await listNetworks(np);
  return all.find((n) => n.name === nameOrId) ?? all.find((n) => nameOrId.length >= 3 && n.id.startsWith(nameOrId));
}

/**
 * A new bridge network; without a subnet, the first free candidate avoiding the host's
 * routes (passed in: linux/network/host-routes.ts). Caller holds the lock.
 */
export async function createNetworkDef(np: NetworkPaths, name: string, hostRoutes: Subnet[], subnet?: string): Promise<NetworkDef> {
  const existing = await listNetworks(np);
  if (existing.some((n) => n.name === name)) throw new MiniboxError(`network with name ${name} already exists`, 1);
  const used = existing.map((n) => parseSubnet(n.subnet));
  const ours = new Set(used.map(formatSubnet));
  // a route of one of our own bridges is not a collision with the host
  const routes = hostRoutes.filter((r) => !ours.has(formatSubnet(r)));
  const chosen = subnet !== undefined ? parseSubnet(subnet) : chooseSubnet(routes, used);
  if (subnet !== undefined && used.some((u) => overlaps(u, chosen))) {
    throw new MiniboxError(`invalid pool request: Pool overlaps with other one on this address space`);
  }
  const id = randomBytes(32).toString('hex');
  const def: NetworkDef = {
    name,
    id,
    driver: 'bridge',
    subnet: formatSubnet(chosen),
    gateway: gatewayOf(chosen),
    bridge: name === DEFAULT_NETWORK ? DEFAULT_BRIDGE : `mbxbr${id.slice(0, 10)}`,
    created: new Date().toISOString(),
  };
  await fs.mkdir(np.networks, { recursive: true });
  await writeJsonAtomic(networkFile(np, name), def);
  // Docker makes the bridge here; minibox only records it, and the shim of the network's first
  // container makes it (so an unused network costs nothing in the kernel): say so.
  if (trace.on) {
    traceStep({ step: 'write', target: networkFile(np, name), value: `(subnet ${def.subnet}, gateway ${def.gateway})`, result: `bridge ${def.bridge} is made with its first container`, concept: 'bridge' });
  }
  return def;
}

export async function removeNetworkDef(np: NetworkPaths, name: string): Promise<void> {
  await fs.rm(networkFile(np, name), { force: true });
  if (trace.on) traceStep({ step: 'rm', target: networkFile(np, name), result: 'ok', concept: 'bridge' });
}
