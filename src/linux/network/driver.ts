import { addPortRules, removePortRules, setupNetworkFirewall, teardownNetworkFirewall, type DnatPort } from './iptables.js';
import { attachRunning, deleteLinks, type BridgeAttachment } from './netlink.js';
import { hostListeners, type Listener } from './host-listeners.js';
import { hostRoutes, type Route } from './host-routes.js';

/**
 * Everything of container networking that talks to the kernel, behind one small interface
 * (as youki's `Syscall` trait): the engine takes a NetworkDriver, so its port, address and
 * link logic runs in unit tests against a fake that records the calls, without root.
 * linuxNetworkDriver is the real one: iptables, netlink through the shim, /proc/net.
 */
export interface NetworkDriver {
  /**
   * minibox's chains and jumps (when missing), the bridge's NAT, isolation and forward rules
   * and its route_localnet guard, ip_forward on (see firewall-rules.ts for what and why).
   */
  setupFirewall(bridge: string, subnet: string): Promise<void>;
  /** These bridges' rules; with lastNetwork the jumps and chains too (and ip_forward put back). */
  teardownFirewall(bridges: string[], lastNetwork: boolean): Promise<void>;
  /** DNAT each published port to ip, tagged with the container's tag. */
  publishPorts(ports: DnatPort[], ip: string, tag: string): Promise<void>;
  /** Remove the DNAT rules carrying this tag. */
  unpublishPorts(tag: string): Promise<void>;
  /** Delete links (veths, bridges) by name; missing ones are fine. */
  deleteLinks(names: string[]): Promise<void>;
  /** Plug a running container (pid) into one more bridge as ifname. */
  attachRunning(pid: number, a: BridgeAttachment, ifname: string): Promise<void>;
  /** Sockets the host listens on (a published port must not clash). */
  hostListeners(): Listener[];
  /** The host's routes (a new bridge subnet must not overlap). */
  hostRoutes(): Route[];
}

/** The real driver; forwardMemo keeps the host's ip_forward from before minibox (ip-forward.ts). */
export function linuxNetworkDriver(forwardMemo: string): NetworkDriver {
  return {
    setupFirewall: (bridge, subnet) => setupNetworkFirewall(bridge, subnet, forwardMemo),
    teardownFirewall: (bridges, last) => teardownNetworkFirewall(bridges, last, forwardMemo),
    publishPorts: addPortRules,
    unpublishPorts: removePortRules,
    deleteLinks,
    attachRunning,
    hostListeners,
    hostRoutes,
  };
}
