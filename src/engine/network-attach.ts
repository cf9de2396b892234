import { containerDirs } from '../container/store.js';
import { etcRecords, bridgeRecords } from '../linux/network/netlink.js';
import { allocateIp } from '../network/ip-allocation.js';
import { choosePorts } from '../network/port-allocation.js';
import { hostsFor, type HostEntry } from '../network/etc-files.js';
import { refreshPeers, writeEtcFiles } from '../network/etc-store.js';
import { attachmentOf, newEndpoint, ruleTag, type ContainerNet, type Endpoint, type NetworkDef } from '../network/records.js';
import { listEndpoints, readEndpoint, removeEndpoint, writeEndpoint } from '../network/store.js';
import type { NetworkPlan } from './network-plan.js';
import type { NetworkContext } from './network-context.js';
import { mark } from '../util/trace.js';
import { allSettledOrThrow } from '../util/command.js';

/**
 * The locked halves of attach and release (callers hold the "network" lock): address and
 * port allocation against every endpoint record, firewall rules, hosts files of peers.
 * The kernel work goes through ctx.driver.
 */

/**
 * Allocate an address on net for a container (already holding `current` endpoints) and
 * record it. The network's firewall rules, when it is the first endpoint, are set up in the
 * background: `firewall` settles when they are in place (the caller awaits it before the
 * container runs, doing its other work meanwhile: iptables-restore is ~5 ms of a start).
 */
export async function addEndpoint(ctx: NetworkContext, all: ContainerNet[], net: NetworkDef, c: ContainerNet, aliases: string[]): Promise<{ ep: Endpoint; firewall: Promise<void> }> {
  const onNet = all.filter((x) => x.id !== c.id && x.endpoints.some((e) => e.network === net.name));
  const used = onNet.flatMap((x) => x.endpoints.filter((e) => e.network === net.name).map((e) => e.ip));
  const ep = newEndpoint(net, allocateIp(net.subnet, net.gateway, used), c.id, c.endpoints.length, aliases);
  c.endpoints.push(ep);
  await writeEndpoint(ctx.np, c); // first: a failure below is undone by releasing this record
  mark('endpoint written');
  const firewall = onNet.length === 0 ? ctx.driver.setupFirewall(net.bridge, net.subnet) : Promise.resolve();
  firewall.catch(() => undefined); // observed by the caller's await; never an unhandled rejection
  return { ep, firewall };
}

export interface ConnectRequest {
  id: string;
  name: string;
  hostname: string;
  network: NetworkDef;
  plan: NetworkPlan;
  extraHosts: HostEntry[];
}

/** A starting container's first endpoint, ports, rules and /etc files; returns the shim's "net.*" records. */
export async function connectLocked(ctx: NetworkContext, r: ConnectRequest): Promise<string[]> {
  const all = (await listEndpoints(ctx.np)).filter((c) => c.id !== r.id);
  const c: ContainerNet = { id: r.id, name: r.name, hostname: r.hostname, endpoints: [], ports: [], exposed: r.plan.exposed, tag: ruleTag(r.id), dir: containerDirs(ctx.paths, r.id).dir, extraHosts: r.extraHosts };
  c.ports = choosePorts(r.plan.ports, all, c, r.plan.ports.length > 0 ? ctx.driver.hostListeners() : []);
  const { ep, firewall } = await addEndpoint(ctx, all, r.network, c, r.plan.aliases);
  const everyone = [...all, c];
  let files: Record<string, string> = {};
  await allSettledOrThrow([
    // the DNAT rules go into the chains the firewall setup makes
    firewall.then(() => (c.ports.length > 0 ? ctx.driver.publishPorts(c.ports, ep.ip, c.tag) : undefined)),
    writeEtcFiles(ctx.paths, r.id, { hostname: r.hostname, hosts: hostsFor(c, everyone), dns: r.plan.dns, hostMode: false }).then((f) => (files = f)),
    refreshPeers([r.network.name], everyone), // with c: the peers' views must name it
  ]);
  mark('firewall set up');
  return [...bridgeRecords(attachmentOf(ep)), ...etcRecords(files)];
}

/** Tear down what no remaining endpoint uses: these endpoints' bridges and rules, the chains. */
export async function dropEndpoints(ctx: NetworkContext, gone: Endpoint[]): Promise<void> {
  const rest = await listEndpoints(ctx.np);
  const idle = gone.filter((e) => !rest.some((c) => c.endpoints.some((x) => x.network === e.network)));
  // The firewall batch and the link deletion each wait on RCU grace periods in the kernel,
  // mostly asleep: side by side they cost the longer one, not the sum. The links go in one
  // kernel batch (veth and idle bridge together, see link-del in native-shim/src/net/netcmd.c).
  await allSettledOrThrow([
    idle.length > 0 || rest.length === 0 ? ctx.driver.teardownFirewall(idle.map((e) => e.bridge), rest.length === 0).then(() => mark('firewall torn down')) : undefined,
    ctx.driver.deleteLinks([...gone.map((e) => e.veth), ...new Set(idle.map((e) => e.bridge))]).then(() => mark('links deleted')),
  ]);
  await refreshPeers(gone.map((e) => e.network), rest);
}

export async function releaseLocked(ctx: NetworkContext, id: string): Promise<void> {
  const c = await readEndpoint(ctx.np, id);
  if (!c) return;
  if (c.ports.length > 0) await ctx.driver.unpublishPorts(c.tag);
  await removeEndpoint(ctx.np, id);
  await dropEndpoints(ctx, c.endpoints);
}
