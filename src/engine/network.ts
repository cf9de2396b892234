import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { withLock } from '../util/lock.js';
import type { ImageRuntimeConfig } from '../image/config.js';
import { listContainerStates } from '../container/state.js';
import { matchContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { parseAddHost, type HostEntry } from '../linux/network/etcfiles.js';
import { exposedPortSpecs, parsePortSpec, type PortBinding, type PortSpec } from '../linux/network/ports.js';
import { linkEnv, linkHost, parseLink, type LinkTarget } from '../linux/network/links.js';
import { setForwardingMemo } from '../linux/network/iptables.js';
import { createNetworkDef, DEFAULT_NETWORK, findNetwork, networkPaths, readEndpoint, type NetworkDef, type NetworkPaths } from '../linux/network/store.js';
import { connectLocked, releaseLocked } from './network-attach.js';
import { hostsFor, writeEtcFiles } from './network-files.js';
import { etcRecords } from '../linux/network/shimnet.js';

/**
 * Networking of `run`, Docker's way: plan (validate flags, resolve the network and the
 * links — no side effects, so bad input leaves nothing behind), attach (allocate the
 * address and the host ports under the network lock, firewall rules, /etc files; returns
 * the shim's "net.*" records), release (at exit/rm: ports, address, and the bridge and
 * chains once nothing uses them).
 */
export interface NetworkFlags {
  network?: string; // --network: bridge (default) | none | host | NAME
  publish?: string[]; // -p
  publishAll?: boolean; // -P
  links?: string[]; // --link name[:alias]
  dns?: string[];
  addHosts?: string[];
  aliases?: string[]; // --network-alias
}

export interface NetworkPlan {
  mode: 'none' | 'host' | 'bridge';
  network?: NetworkDef;
  ports: PortSpec[];
  exposed: string[];
  links: LinkTarget[];
  extraHosts: HostEntry[];
  dns: string[];
  aliases: string[];
}

export function netPaths(paths: StatePaths): NetworkPaths {
  const np = networkPaths(paths);
  setForwardingMemo(np.forwardMemo);
  return np;
}

/** The network named by --network; the default bridge network is created on first use. */
export async function resolveNetwork(paths: StatePaths, name: string): Promise<NetworkDef> {
  const np = netPaths(paths);
  const found = await findNetwork(np, name);
  if (found) return found;
  if (name !== DEFAULT_NETWORK) throw new MiniboxError(`network ${name} not found`);
  return withLock(netPaths(paths).locks, 'network', async () => (await findNetwork(np, name)) ?? createNetworkDef(np, name));
}

function exposedKeys(image: ImageRuntimeConfig, ports: PortSpec[]): string[] {
  const keys = new Set(Object.keys(image.ExposedPorts ?? {}).map((k) => (k.includes('/') ? k : `${k}/tcp`)));
  for (const p of ports) keys.add(`${p.containerPort}/${p.proto}`);
  return [...keys];
}

async function resolveLinks(paths: StatePaths, specs: string[], np: NetworkPaths): Promise<LinkTarget[]> {
  if (specs.length === 0) return [];
  const all = await listContainerStates(paths.containers);
  const out: LinkTarget[] = [];
  for (const spec of specs) {
    const { name, alias } = parseLink(spec);
    let target;
    try {
      target = matchContainer(all, name);
    } catch {
      throw new MiniboxError(`could not get container for ${name}: No such container: ${name}`);
    }
    const ep = await readEndpoint(np, target.id);
    if (target.status !== 'running' || !ep) throw new MiniboxError(`Cannot link to a non running container: /${target.name} AS /${alias}`);
    const first = ep.endpoints[0];
    if (!first) throw new MiniboxError(`Cannot link to /${target.name}, as it does not belong to the default network`);
    const oci = JSON.parse(await fs.readFile(path.join(containerDirs(paths, target.id).dir, 'config.json'), 'utf8')) as { process?: { env?: string[] } };
    out.push({ alias, name: target.name, hostname: ep.hostname, ip: first.ip, exposed: ep.exposed, env: oci.process?.env ?? [] });
  }
  return out;
}

export async function planNetwork(paths: StatePaths, flags: NetworkFlags, image: ImageRuntimeConfig): Promise<NetworkPlan> {
  const wanted = flags.network ?? DEFAULT_NETWORK;
  const published = (flags.publish ?? []).flatMap(parsePortSpec);
  const extraHosts = (flags.addHosts ?? []).map(parseAddHost);
  const base = { links: [] as LinkTarget[], dns: flags.dns ?? [], aliases: flags.aliases ?? [], extraHosts };
  if (wanted === 'none' || wanted === 'host') {
    if (flags.links?.length) throw new MiniboxError(`conflicting options: --link and --network=${wanted}`);
    return { ...base, mode: wanted, ports: [], exposed: exposedKeys(image, published) };
  }
  const network = await resolveNetwork(paths, wanted === 'default' ? DEFAULT_NETWORK : wanted);
  const all = flags.publishAll ? exposedPortSpecs(image.ExposedPorts) : [];
  const ports = [...published, ...all.filter((e) => !published.some((p) => p.containerPort === e.containerPort && p.proto === e.proto))];
  const links = await resolveLinks(paths, flags.links ?? [], netPaths(paths));
  return { ...base, mode: 'bridge', network, ports, exposed: exposedKeys(image, ports), links };
}

/** Docker's link variables (put before the user's -e, which win). */
export function planEnv(plan: NetworkPlan, containerName: string): string[] {
  return plan.links.flatMap((l) => linkEnv(l, containerName));
}

export interface AttachContext {
  id: string;
  name: string;
  hostname: string;
}

/**
 * Everything outside the container before the shim starts; returns its "net.*" records.
 * On failure nothing of it is left (address, ports, rules, bridge).
 */
export async function attachNetwork(paths: StatePaths, ctx: AttachContext, plan: NetworkPlan): Promise<string[]> {
  const extraHosts = [...plan.extraHosts, ...plan.links.map(linkHost)];
  if (plan.mode !== 'bridge' || !plan.network) {
    const files = await writeEtcFiles(paths, ctx.id, {
      hostname: ctx.hostname,
      hosts: hostsFor({ id: ctx.id, name: ctx.name, hostname: ctx.hostname, endpoints: [], ports: [], exposed: [], tag: '', dir: '', extraHosts }, []),
      dns: plan.dns,
      hostMode: plan.mode === 'host',
    });
    return [`net.mode=${plan.mode}`, ...etcRecords(files)];
  }
  const network = plan.network;
  const np = netPaths(paths);
  return withLock(netPaths(paths).locks, 'network', async () => {
    try {
      return await connectLocked(paths, np, { ...ctx, network, plan, extraHosts });
    } catch (err) {
      await releaseLocked(paths, np, ctx.id);
      throw err;
    }
  });
}

/**
 * Undo attachNetwork: published ports, the address, hosts entries of peers, and — when the
 * container was the last one on its network — the bridge and its rules (all chains when it
 * was the last of all). Idempotent; cheap when the container has no network state. To be
 * called when a container stops (foreground run: by Node after the shim exits; detached: by
 * whoever records the exit) and by rm.
 */
export async function releaseNetwork(paths: StatePaths, id: string): Promise<void> {
  const np = netPaths(paths);
  if (!(await readEndpoint(np, id))) return;
  await withLock(netPaths(paths).locks, 'network', () => releaseLocked(paths, np, id));
}

/** A container's published ports (empty when it is not running or publishes none). */
export async function containerPortBindings(paths: StatePaths, id: string): Promise<PortBinding[]> {
  return (await readEndpoint(netPaths(paths), id))?.ports ?? [];
}

/** inspect's NetworkSettings.Ports: {"80/tcp": [{HostIp, HostPort}], "443/tcp": null}. */
export async function containerPortMap(paths: StatePaths, id: string): Promise<Record<string, Array<{ HostIp: string; HostPort: string }> | null>> {
  const ep = await readEndpoint(netPaths(paths), id);
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const key of ep?.exposed ?? []) out[key] = null;
  for (const b of ep?.ports ?? []) (out[`${b.containerPort}/${b.proto}`] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  return out;
}

/** ps's PORTS column: "0.0.0.0:8080->80/tcp, 443/tcp". */
export async function containerPortsColumn(paths: StatePaths, id: string): Promise<string> {
  const map = await containerPortMap(paths, id);
  const parts: string[] = [];
  for (const [key, binds] of Object.entries(map)) {
    if (!binds) parts.push(key);
    else for (const b of binds) parts.push(`${b.HostIp}:${b.HostPort}->${key}`);
  }
  return parts.join(', ');
}

/** inspect's NetworkSettings: the address per network and the published ports, Docker-shaped. */
export async function containerNetworkSettings(paths: StatePaths, id: string): Promise<Record<string, unknown>> {
  const ep = await readEndpoint(netPaths(paths), id);
  const networks: Record<string, unknown> = {};
  for (const e of ep?.endpoints ?? []) {
    networks[e.network] = { IPAddress: e.ip, IPPrefixLen: e.prefix, Gateway: e.gateway, Aliases: e.aliases };
  }
  const first = ep?.endpoints[0];
  return {
    IPAddress: first?.ip ?? '',
    IPPrefixLen: first?.prefix ?? 0,
    Gateway: first?.gateway ?? '',
    Ports: await containerPortMap(paths, id),
    Networks: networks,
  };
}
