import type { StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import type { ImageRuntimeConfig } from '../image/config.js';
import { listContainerStates } from '../container/state.js';
import { matchContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { readSpec } from '../container/spec-read.js';
import type { NetworkDriver } from '../linux/network/driver.js';
import { parseAddHost, type HostEntry } from '../network/etc-files.js';
import { exposedKeys, exposedPortSpecs, parsePortSpec, publishedSpecs, type PortSpec } from '../network/port-specs.js';
import { linkEnv, parseLink, type LinkTarget } from '../network/links.js';
import { checkNetworkText } from '../network/text-checks.js';
import { DEFAULT_NETWORK, type NetworkDef } from '../network/records.js';
import { createNetworkDef, findNetwork, readEndpoint } from '../network/store.js';
import { networkContext, withNetworkLock, type NetworkContext } from './network-context.js';

/**
 * The plan half of `run`'s networking: validate the flags, resolve the network and the
 * links — no side effects beyond creating the default network's record, so bad input
 * leaves nothing behind. network.ts carries the plan out.
 */
export interface NetworkFlags {
  network?: string; // --network: bridge (default) | none | host | NAME
  publish?: string[]; // -p
  publishAll?: boolean; // -P
  links?: string[]; // --link name[:alias]
  dns?: string[];
  addHosts?: string[];
  aliases?: string[]; // --network-alias
  expose?: string[]; // compose's expose: "80/tcp" keys added to the container's exposed ports
  hostname?: string; // -h: checked here with the others, as it goes into /etc/hosts too
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

/** The network named by --network; the default bridge network is created on first use. */
export async function resolveNetwork(ctx: NetworkContext, name: string): Promise<NetworkDef> {
  const found = await findNetwork(ctx.np, name);
  if (found) return found;
  if (name !== DEFAULT_NETWORK) throw new MiniboxError(`network ${name} not found`);
  return withNetworkLock(ctx, async () => (await findNetwork(ctx.np, name)) ?? createNetworkDef(ctx.np, name, ctx.driver.hostRoutes()));
}

async function resolveLinks(ctx: NetworkContext, specs: string[]): Promise<LinkTarget[]> {
  if (specs.length === 0) return [];
  const all = await listContainerStates(ctx.paths.containers);
  const out: LinkTarget[] = [];
  for (const spec of specs) {
    const { name, alias } = parseLink(spec);
    let target;
    try {
      target = matchContainer(all, name);
    } catch {
      throw new MiniboxError(`could not get container for ${name}: No such container: ${name}`);
    }
    const ep = await readEndpoint(ctx.np, target.id);
    if (target.status !== 'running' || !ep) throw new MiniboxError(`Cannot link to a non running container: /${target.name} AS /${alias}`);
    const first = ep.endpoints[0];
    if (!first) throw new MiniboxError(`Cannot link to /${target.name}, as it does not belong to the default network`);
    const env = (await readSpec(containerDirs(ctx.paths, target.id).dir)).process.env;
    out.push({ alias, name: target.name, hostname: ep.hostname, ip: first.ip, exposed: ep.exposed, env });
  }
  return out;
}

export async function planNetwork(paths: StatePaths, flags: NetworkFlags, image: ImageRuntimeConfig, driver?: NetworkDriver): Promise<NetworkPlan> {
  const wanted = flags.network ?? DEFAULT_NETWORK;
  const published = (flags.publish ?? []).flatMap(parsePortSpec);
  const extraHosts = (flags.addHosts ?? []).map(parseAddHost);
  const dns = checkNetworkText(flags);
  const base = { links: [] as LinkTarget[], dns, aliases: flags.aliases ?? [], extraHosts };
  if (wanted === 'none' || wanted === 'host') {
    if (flags.links?.length) throw new MiniboxError(`conflicting options: --link and --network=${wanted}`);
    return { ...base, mode: wanted, ports: [], exposed: exposedKeys(image.ExposedPorts, published) };
  }
  const ctx = networkContext(paths, driver);
  const network = await resolveNetwork(ctx, wanted === 'default' ? DEFAULT_NETWORK : wanted);
  const ports = publishedSpecs(published, flags.publishAll ? exposedPortSpecs(image.ExposedPorts) : []);
  const links = await resolveLinks(ctx, flags.links ?? []);
  const exposed = [...new Set([...exposedKeys(image.ExposedPorts, ports), ...(flags.expose ?? [])])];
  return { ...base, mode: 'bridge', network, ports, exposed, links };
}

/** Docker's link variables (put before the user's -e, which win). */
export function planEnv(plan: NetworkPlan, containerName: string): string[] {
  return plan.links.flatMap((l) => linkEnv(l, containerName));
}
