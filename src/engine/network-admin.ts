import { existsSync } from 'node:fs';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { allSettledOrThrow } from '../util/command.js';
import { findContainer } from '../container/lookup.js';
import type { NetworkDriver } from '../linux/network/driver.js';
import { refreshPeers, rewriteHosts } from '../network/etc-store.js';
import type { PortBinding } from '../network/port-specs.js';
import { attachmentOf, DEFAULT_NETWORK, type NetworkDef } from '../network/records.js';
import { checkHostName } from '../network/text-checks.js';
import { createNetworkDef, listEndpoints, listNetworks, readEndpoint, removeEndpoint, removeNetworkDef, writeEndpoint } from '../network/store.js';
import { addEndpoint, dropEndpoints } from './network-attach.js';
import { networkContext, withNetworkLock, type NetworkContext } from './network-context.js';
import { filterNetworks, type FilterableNetwork } from './network-filters.js';
import { resolveNetwork } from './network-plan.js';

export type { NetworkDef, PortBinding };

/**
 * `minibox network …` and `port`: the use cases behind the commands. Each takes an
 * optional NetworkDriver (tests pass a fake); the CLI passes none and gets the real one.
 */
const PREDEFINED = ['bridge', 'host', 'none'];

const contextOf = (driver?: NetworkDriver): NetworkContext => networkContext(statePaths(), driver);

export async function createNetwork(name: string, driver: string, subnet?: string, net?: NetworkDriver): Promise<NetworkDef> {
  if (driver !== 'bridge') throw new MiniboxError(`plugin "${driver}" not found`);
  if (PREDEFINED.includes(name)) throw new MiniboxError(`operation is not permitted on predefined ${name} network`, 1);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new MiniboxError(`invalid network name "${name}"`);
  const ctx = contextOf(net);
  return withNetworkLock(ctx, () => createNetworkDef(ctx.np, name, ctx.driver.hostRoutes(), subnet));
}

export interface NetworkRow extends FilterableNetwork {
  scope: string;
  /** RFC 3339; empty for host and none, which are modes without a record. */
  created: string;
}

/** `network ls`: every network, the built-in ones included, sorted by name; `filters` as Docker's `--filter` (network-filters.ts). */
export async function listAllNetworks(net?: NetworkDriver, filters: string[] = []): Promise<NetworkRow[]> {
  filterNetworks([], filters); // refuses a bad filter before any work
  const ctx = contextOf(net);
  const bridge = await resolveNetwork(ctx, DEFAULT_NETWORK);
  const defs = (await listNetworks(ctx.np)).filter((n) => n.name !== DEFAULT_NETWORK);
  const used = new Set((await listEndpoints(ctx.np)).flatMap((c) => c.endpoints.map((e) => e.network)));
  const rows: NetworkRow[] = [bridge, ...defs].map((n) => ({
    id: n.id,
    name: n.name,
    driver: n.driver,
    scope: 'local',
    created: n.created,
    labels: {},
    builtin: n.name === DEFAULT_NETWORK,
    inUse: used.has(n.name),
  }));
  // host and none are modes, not records: fixed ids derived from their names
  for (const name of ['host', 'none']) {
    rows.push({ id: Buffer.from(name.padEnd(32, '0')).toString('hex'), name, driver: name === 'none' ? 'null' : 'host', scope: 'local', created: '', labels: {}, builtin: true, inUse: false });
  }
  return filterNetworks(rows, filters).sort((a, b) => a.name.localeCompare(b.name));
}

/** Docker's inspect shape (the parts minibox has). */
export async function inspectNetwork(name: string, net?: NetworkDriver): Promise<Record<string, unknown>> {
  const ctx = contextOf(net);
  const def = await resolveNetwork(ctx, name);
  const containers: Record<string, unknown> = {};
  for (const c of await listEndpoints(ctx.np)) {
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

export async function removeNetwork(name: string, net?: NetworkDriver): Promise<void> {
  if (PREDEFINED.includes(name)) throw new MiniboxError(`${name} is a pre-defined network and cannot be removed`, 1);
  const ctx = contextOf(net);
  await withNetworkLock(ctx, async () => {
    const def = await resolveNetwork(ctx, name).catch(() => undefined);
    if (!def) throw new MiniboxError(`network ${name} not found`, 1);
    if ((await listEndpoints(ctx.np)).some((c) => c.endpoints.some((e) => e.network === def.name))) {
      throw new MiniboxError(`error while removing network: network ${def.name} id ${def.id} has active endpoints`, 1);
    }
    await removeNetworkDef(ctx.np, def.name);
  });
}

/** Connect a running container (its netns gets one more veth, ethN). */
export async function connectContainer(netName: string, ref: string, aliases: string[], net?: NetworkDriver): Promise<void> {
  for (const a of aliases) checkHostName('--alias', a); // they go into the peers' /etc/hosts
  const ctx = contextOf(net);
  const def = await resolveNetwork(ctx, netName);
  const state = await findContainer(ctx.paths, ref);
  await withNetworkLock(ctx, async () => {
    const c = await readEndpoint(ctx.np, state.id);
    if (state.status !== 'running' || !state.pid) throw new MiniboxError(`container ${state.name} is not running`);
    if (!c) throw new MiniboxError(`container ${state.name} has no bridge network (--network none or host) to add to`);
    if (c.endpoints.some((e) => e.network === def.name)) throw new MiniboxError(`endpoint with name ${state.name} already exists in network ${def.name}`);
    const all = await listEndpoints(ctx.np);
    const { ep, firewall } = await addEndpoint(ctx, all, def, c, aliases);
    try {
      await firewall;
      await ctx.driver.attachRunning(state.pid, attachmentOf(ep), ep.ifname);
    } catch (err) {
      c.endpoints = c.endpoints.filter((e) => e !== ep);
      await writeEndpoint(ctx.np, c);
      await dropEndpoints(ctx, [ep]);
      throw err;
    }
    await refreshPeers([def.name], await listEndpoints(ctx.np));
  });
}

export async function disconnectContainer(netName: string, ref: string, net?: NetworkDriver): Promise<void> {
  const ctx = contextOf(net);
  const def = await resolveNetwork(ctx, netName);
  const state = await findContainer(ctx.paths, ref);
  await withNetworkLock(ctx, async () => {
    const c = await readEndpoint(ctx.np, state.id);
    const ep = c?.endpoints.find((e) => e.network === def.name);
    if (!c || !ep) throw new MiniboxError(`container ${state.id} is not connected to network ${def.name}`);
    c.endpoints = c.endpoints.filter((e) => e !== ep);
    await writeEndpoint(ctx.np, c);
    await dropEndpoints(ctx, [ep]);
    rewriteHosts(c, await listEndpoints(ctx.np)); // its own view: the peers it left are gone
  });
}

/**
 * Remove user networks nothing is attached to, and — when no container uses any network —
 * the bridges and minibox's firewall chains (Docker keeps docker0; minibox leaves a clean
 * host). Returns the names of the removed networks.
 */
export async function pruneNetworks(net?: NetworkDriver): Promise<string[]> {
  const ctx = contextOf(net);
  return withNetworkLock(ctx, async () => {
    // endpoint records of containers whose state dir is gone (a state root deleted without
    // `rm`) hold addresses, keep names in peers' hosts files and keep the chains: drop them
    for (const c of (await listEndpoints(ctx.np)).filter((x) => !existsSync(x.dir))) {
      if (c.ports.length > 0) await ctx.driver.unpublishPorts(c.tag);
      await removeEndpoint(ctx.np, c.id);
      await refreshPeers(c.endpoints.map((e) => e.network), await listEndpoints(ctx.np));
    }
    const used = new Set((await listEndpoints(ctx.np)).flatMap((c) => c.endpoints.map((e) => e.network)));
    const idle = (await listNetworks(ctx.np)).filter((d) => !used.has(d.name));
    const removed: string[] = [];
    for (const d of idle.filter((x) => x.name !== DEFAULT_NETWORK)) {
      await removeNetworkDef(ctx.np, d.name);
      removed.push(d.name);
    }
    await allSettledOrThrow([ctx.driver.teardownFirewall(idle.map((d) => d.bridge), used.size === 0), ctx.driver.deleteLinks(idle.map((d) => d.bridge))]);
    return removed;
  });
}

/** `port`: a container's published ports (empty when it is not running or publishes none). */
export async function portsOf(ref: string): Promise<{ name: string; ports: PortBinding[] }> {
  const ctx = contextOf();
  const state = await findContainer(ctx.paths, ref);
  return { name: state.name, ports: (await readEndpoint(ctx.np, state.id))?.ports ?? [] };
}
