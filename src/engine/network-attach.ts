import type { StatePaths } from '../util/paths.js';
import { containerDirs } from '../container/store.js';
import { MiniboxError } from '../util/errors.js';
import { allocateIp } from '../linux/network/ipam.js';
import { clashes, hostListeners, type Listener, type PortBinding, type PortSpec } from '../linux/network/ports.js';
import { addPortRules, portRule, removePortRules, setupNetworkFirewall, teardownNetworkFirewall } from '../linux/network/iptables.js';
import { bridgeRecords, deleteLinks, etcRecords, type BridgeAttachment } from '../linux/network/shimnet.js';
import { listEndpoints, readEndpoint, removeEndpoint, writeEndpoint, type ContainerNet, type Endpoint, type NetworkDef, type NetworkPaths } from '../linux/network/store.js';
import type { HostEntry } from '../linux/network/etcfiles.js';
import { hostsFor, refreshPeers, writeEtcFiles } from './network-files.js';
import type { NetworkPlan } from './network.js';
import { mark } from '../util/trace.js';
import { allSettledOrThrow } from '../util/command.js';

/**
 * The locked halves of attach and release (callers hold the "network" lock): address and
 * port allocation against every endpoint record, firewall rules, hosts files of peers.
 */
const EPHEMERAL = { first: 32768, last: 60999 }; // Docker's (and Linux's default) ephemeral range

type Taken = Listener & { owner?: string };

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
    const binding: PortBinding = { hostIp: ip, hostPort: chosen, containerPort: s.containerPort, proto: s.proto };
    out.push(binding);
    taken.push({ proto: s.proto, ip, port: chosen, owner: who.id });
  }
  return out;
}

function newEndpoint(net: NetworkDef, ip: string, id: string, index: number, aliases: string[]): Endpoint {
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

export function attachmentOf(e: Endpoint): BridgeAttachment {
  return { bridge: e.bridge, bridgeCidr: `${e.gateway}/${e.prefix}`, veth: e.veth, cidr: `${e.ip}/${e.prefix}`, gateway: e.gateway };
}

/**
 * Allocate an address on net for a container (already holding `current` endpoints) and
 * record it. The network's firewall rules, when it is the first endpoint, are set up in the
 * background: `firewall` settles when they are in place (the caller awaits it before the
 * container runs, doing its other work meanwhile: iptables-restore is ~5 ms of a start).
 */
export async function addEndpoint(np: NetworkPaths, all: ContainerNet[], net: NetworkDef, c: ContainerNet, aliases: string[]): Promise<{ ep: Endpoint; firewall: Promise<void> }> {
  const onNet = all.filter((x) => x.id !== c.id && x.endpoints.some((e) => e.network === net.name));
  const used = onNet.flatMap((x) => x.endpoints.filter((e) => e.network === net.name).map((e) => e.ip));
  const ep = newEndpoint(net, allocateIp(net.subnet, net.gateway, used), c.id, c.endpoints.length, aliases);
  c.endpoints.push(ep);
  await writeEndpoint(np, c); // first: a failure below is undone by releasing this record
  mark('endpoint written');
  const firewall = onNet.length === 0 ? setupNetworkFirewall(net.bridge, net.subnet) : Promise.resolve();
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

export async function connectLocked(paths: StatePaths, np: NetworkPaths, r: ConnectRequest): Promise<string[]> {
  const all = (await listEndpoints(np)).filter((c) => c.id !== r.id);
  const c: ContainerNet = { id: r.id, name: r.name, hostname: r.hostname, endpoints: [], ports: [], exposed: r.plan.exposed, tag: `mbx-${r.id.slice(0, 12)}`, dir: containerDirs(paths, r.id).dir, extraHosts: r.extraHosts };
  c.ports = choosePorts(r.plan.ports, all, c, r.plan.ports.length > 0 ? hostListeners() : []);
  const { ep, firewall } = await addEndpoint(np, all, r.network, c, r.plan.aliases);
  const everyone = [...all, c];
  let files: Record<string, string> = {};
  await allSettledOrThrow([
    // the DNAT rules go into the chains the firewall setup makes
    firewall.then(() => (c.ports.length > 0 ? addPortRules(c.ports.map((b) => portRule(b, ep.ip, c.tag))) : undefined)),
    writeEtcFiles(paths, r.id, { hostname: r.hostname, hosts: hostsFor(c, everyone), dns: r.plan.dns, hostMode: false }).then((f) => (files = f)),
    refreshPeers(paths, [r.network.name], all),
  ]);
  mark('firewall set up');
  return [...bridgeRecords(attachmentOf(ep)), ...etcRecords(files)];
}

/** Tear down what no remaining endpoint uses: these endpoints' bridges and rules, the chains. */
export async function dropEndpoints(paths: StatePaths, np: NetworkPaths, gone: Endpoint[]): Promise<void> {
  const rest = await listEndpoints(np);
  const idle = gone.filter((e) => !rest.some((c) => c.endpoints.some((x) => x.network === e.network)));
  // The firewall batch and the link deletion each wait on RCU grace periods in the kernel,
  // mostly asleep: side by side they cost the longer one, not the sum. The links go in one
  // kernel batch (veth and idle bridge together, see link-del in native-shim/src/netcmd.c).
  await allSettledOrThrow([
    idle.length > 0 || rest.length === 0 ? teardownNetworkFirewall(idle.map((e) => e.bridge), rest.length === 0).then(() => mark('firewall torn down')) : undefined,
    deleteLinks([...gone.map((e) => e.veth), ...new Set(idle.map((e) => e.bridge))]).then(() => mark('links deleted')),
  ]);
  await refreshPeers(paths, gone.map((e) => e.network), rest);
}

export async function releaseLocked(paths: StatePaths, np: NetworkPaths, id: string): Promise<void> {
  const c = await readEndpoint(np, id);
  if (!c) return;
  if (c.ports.length > 0) await removePortRules(c.tag);
  await removeEndpoint(np, id);
  await dropEndpoints(paths, np, c.endpoints);
}
