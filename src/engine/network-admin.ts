import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { withLock } from '../util/lock.js';
import { findContainer } from '../container/lookup.js';
import { createNetworkDef, DEFAULT_NETWORK, listEndpoints, listNetworks, readEndpoint, removeNetworkDef, writeEndpoint, type NetworkDef } from '../linux/network/store.js';
import { teardownNetworkFirewall } from '../linux/network/iptables.js';
import { attachRunning, deleteLinks } from '../linux/network/shimnet.js';
import { allSettledOrThrow } from '../util/command.js';
import { addEndpoint, attachmentOf, dropEndpoints } from './network-attach.js';
import { refreshPeers } from './network-files.js';
import { containerPortBindings, netPaths, resolveNetwork } from './network.js';

/** `minibox network …` and `port`: the use cases behind the commands. */
const PREDEFINED = ['bridge', 'host', 'none'];

export async function createNetwork(name: string, driver: string, subnet?: string): Promise<NetworkDef> {
  if (driver !== 'bridge') throw new MiniboxError(`plugin "${driver}" not found`);
  if (PREDEFINED.includes(name)) throw new MiniboxError(`operation is not permitted on predefined ${name} network`, 1);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new MiniboxError(`invalid network name "${name}"`);
  const paths = statePaths();
  return withLock(netPaths(paths).locks, 'network', () => createNetworkDef(netPaths(paths), name, subnet));
}

export interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  scope: string;
}

export async function listAllNetworks(): Promise<NetworkRow[]> {
  const paths = statePaths();
  const bridge = await resolveNetwork(paths, DEFAULT_NETWORK);
  const defs = (await listNetworks(netPaths(paths))).filter((n) => n.name !== DEFAULT_NETWORK);
  const rows: NetworkRow[] = [bridge, ...defs].map((n) => ({ id: n.id, name: n.name, driver: n.driver, scope: 'local' }));
  // host and none are modes, not records: fixed ids derived from their names
  for (const name of ['host', 'none']) rows.push({ id: Buffer.from(name.padEnd(32, '0')).toString('hex'), name, driver: name === 'none' ? 'null' : 'host', scope: 'local' });
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/** Docker's inspect shape (the parts minibox has). */
export async function inspectNetwork(name: string): Promise<Record<string, unknown>> {
  const paths = statePaths();
  const def = await resolveNetwork(paths, name);
  const containers: Record<string, unknown> = {};
  for (const c of await listEndpoints(netPaths(paths))) {
    const e = c.endpoints.find((x) => x.network === def.name);
    if (e) containers[c.id] = { Name: c.name, EndpointID: '', MacAddress: '', IPv4Address: `${e.ip}/${e.prefix}`, IPv6Address: '' };
  }
  return {
    Name: def.name,
    Id: def.id,
    Created: def.created,
    Scope: 'local',
    Driver: def.driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: def.subnet, Gateway: def.gateway }] },
    Internal: false,
    Attachable: false,
    Containers: containers,
    Options: { 'com.docker.network.bridge.name': def.bridge },
    Labels: {},
  };
}

export async function removeNetwork(name: string): Promise<void> {
  if (PREDEFINED.includes(name)) throw new MiniboxError(`${name} is a pre-defined network and cannot be removed`, 1);
  const paths = statePaths();
  const np = netPaths(paths);
  await withLock(netPaths(paths).locks, 'network', async () => {
    const def = await resolveNetwork(paths, name).catch(() => undefined);
    if (!def) throw new MiniboxError(`network ${name} not found`, 1);
    if ((await listEndpoints(np)).some((c) => c.endpoints.some((e) => e.network === def.name))) {
      throw new MiniboxError(`error while removing network: network ${def.name} id ${def.id} has active endpoints`, 1);
    }
    await removeNetworkDef(np, def.name);
  });
}

/** Connect a running container (its netns gets one more veth, ethN). */
export async function connectContainer(netName: string, ref: string, aliases: string[]): Promise<void> {
  const paths = statePaths();
  const np = netPaths(paths);
  const def = await resolveNetwork(paths, netName);
  const state = await findContainer(paths, ref);
  await withLock(netPaths(paths).locks, 'network', async () => {
    const c = await readEndpoint(np, state.id);
    if (state.status !== 'running' || !state.pid) throw new MiniboxError(`container ${state.name} is not running`);
    if (!c) throw new MiniboxError(`container ${state.name} has no bridge network (--network none or host) to add to`);
    if (c.endpoints.some((e) => e.network === def.name)) throw new MiniboxError(`endpoint with name ${state.name} already exists in network ${def.name}`);
    const all = await listEndpoints(np);
    const { ep, firewall } = await addEndpoint(np, all, def, c, aliases);
    try {
      await firewall;
      await attachRunning(state.pid, attachmentOf(ep), ep.ifname);
    } catch (err) {
      c.endpoints = c.endpoints.filter((e) => e !== ep);
      await writeEndpoint(np, c);
      await dropEndpoints(paths, np, [ep]);
      throw err;
    }
    await refreshPeers(paths, [def.name], await listEndpoints(np));
  });
}

export async function disconnectContainer(netName: string, ref: string): Promise<void> {
  const paths = statePaths();
  const np = netPaths(paths);
  const def = await resolveNetwork(paths, netName);
  const state = await findContainer(paths, ref);
  await withLock(netPaths(paths).locks, 'network', async () => {
    const c = await readEndpoint(np, state.id);
    const ep = c?.endpoints.find((e) => e.network === def.name);
    if (!c || !ep) throw new MiniboxError(`container ${state.id} is not connected to network ${def.name}`);
    c.endpoints = c.endpoints.filter((e) => e !== ep);
    await writeEndpoint(np, c);
    await dropEndpoints(paths, np, [ep]);
  });
}

/**
 * Remove user networks nothing is attached to, and — when no container uses any network —
 * the bridges and minibox's firewall chains (Docker keeps docker0; minibox leaves a clean
 * host). Returns the names of the removed networks.
 */
export async function pruneNetworks(): Promise<string[]> {
  const paths = statePaths();
  const np = netPaths(paths);
  return withLock(netPaths(paths).locks, 'network', async () => {
    const used = new Set((await listEndpoints(np)).flatMap((c) => c.endpoints.map((e) => e.network)));
    const defs = await listNetworks(np);
    const idle = defs.filter((d) => !used.has(d.name));
    const removed: string[] = [];
    for (const d of idle.filter((x) => x.name !== DEFAULT_NETWORK)) {
      await removeNetworkDef(np, d.name);
      removed.push(d.name);
    }
    await allSettledOrThrow([teardownNetworkFirewall(idle.map((d) => d.bridge), used.size === 0), deleteLinks(idle.map((d) => d.bridge))]);
    return removed;
  });
}

export async function portsOf(ref: string): Promise<{ name: string; ports: Awaited<ReturnType<typeof containerPortBindings>> }> {
  const paths = statePaths();
  const state = await findContainer(paths, ref);
  return { name: state.name, ports: await containerPortBindings(paths, state.id) };
}
