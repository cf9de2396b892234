import type { StatePaths } from '../util/paths.js';
import type { NetworkDriver } from '../linux/network/driver.js';
import { etcRecords } from '../linux/network/netlink.js';
import { hostsFor } from '../network/etc-files.js';
import { writeEtcFiles } from '../network/etc-store.js';
import { linkHost } from '../network/links.js';
import { networkSettings, portMap, portsColumn } from '../network/inspect-views.js';
import { networkPaths, readEndpoint } from '../network/store.js';
import { connectLocked, releaseLocked } from './network-attach.js';
import { networkContext, withNetworkLock } from './network-context.js';
import type { NetworkPlan } from './network-plan.js';

export { planEnv, planNetwork, type NetworkFlags, type NetworkPlan } from './network-plan.js';

/**
 * Networking of `run`, Docker's way: plan (network-plan.ts), attach (allocate the address
 * and the host ports under the network lock, firewall rules, /etc files; returns the
 * shim's "net.*" records), release (at exit/rm: ports, address, and the bridge and chains
 * once nothing uses them). The kernel work goes through a NetworkDriver: the real one
 * unless a test passes a fake.
 */
export interface AttachContext {
  id: string;
  name: string;
  hostname: string;
}

/**
 * Everything outside the container before the shim starts; returns its "net.*" records.
 * On failure nothing of it is left (address, ports, rules, bridge).
 */
export async function attachNetwork(paths: StatePaths, actx: AttachContext, plan: NetworkPlan, driver?: NetworkDriver): Promise<string[]> {
  const extraHosts = [...plan.extraHosts, ...plan.links.map(linkHost)];
  if (plan.mode !== 'bridge' || !plan.network) {
    const files = await writeEtcFiles(paths, actx.id, {
      hostname: actx.hostname,
      hosts: hostsFor({ id: actx.id, name: actx.name, hostname: actx.hostname, endpoints: [], ports: [], exposed: [], tag: '', dir: '', extraHosts }, []),
      dns: plan.dns,
      hostMode: plan.mode === 'host',
    });
    return [`net.mode=${plan.mode}`, ...etcRecords(files)];
  }
  const network = plan.network;
  const ctx = networkContext(paths, driver);
  return withNetworkLock(ctx, async () => {
    try {
      return await connectLocked(ctx, { ...actx, network, plan, extraHosts });
    } catch (err) {
      await releaseLocked(ctx, actx.id);
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
export async function releaseNetwork(paths: StatePaths, id: string, driver?: NetworkDriver): Promise<void> {
  const ctx = networkContext(paths, driver);
  if (!(await readEndpoint(ctx.np, id))) return;
  await withNetworkLock(ctx, () => releaseLocked(ctx, id));
}

/** ps's PORTS column: "0.0.0.0:8080->80/tcp, 443/tcp" (network state is host-wide, not per root). */
export async function containerPortsColumn(_paths: StatePaths, id: string): Promise<string> {
  return portsColumn(portMap(await readEndpoint(networkPaths(), id)));
}

/** inspect's NetworkSettings: the address per network and the published ports, Docker-shaped. */
export async function containerNetworkSettings(_paths: StatePaths, id: string): Promise<Record<string, unknown>> {
  return networkSettings(await readEndpoint(networkPaths(), id));
}
