import type { NetworkDriver } from '../../../src/linux/network/driver.js';
import type { Listener } from '../../../src/linux/network/host-listeners.js';
import type { Route } from '../../../src/linux/network/host-routes.js';
import type { DnatPort } from '../../../src/linux/network/iptables.js';
import type { BridgeAttachment } from '../../../src/linux/network/netlink.js';

/**
 * A NetworkDriver that touches no kernel: it records every call, so a test asserts the
 * exact rules and links the engine asked for. `listeners` and `routes` stand for the host.
 */
export type DriverCall =
  | { op: 'setupFirewall'; bridge: string; subnet: string }
  | { op: 'teardownFirewall'; bridges: string[]; lastNetwork: boolean }
  | { op: 'publishPorts'; ports: DnatPort[]; ip: string; tag: string }
  | { op: 'unpublishPorts'; tag: string }
  | { op: 'deleteLinks'; names: string[] }
  | { op: 'attachRunning'; pid: number; attachment: BridgeAttachment; ifname: string };

export class FakeDriver implements NetworkDriver {
  calls: DriverCall[] = [];
  listeners: Listener[] = [];
  routes: Route[] = [];

  async setupFirewall(bridge: string, subnet: string): Promise<void> {
    this.calls.push({ op: 'setupFirewall', bridge, subnet });
  }
  async teardownFirewall(bridges: string[], lastNetwork: boolean): Promise<void> {
    this.calls.push({ op: 'teardownFirewall', bridges, lastNetwork });
  }
  async publishPorts(ports: DnatPort[], ip: string, tag: string): Promise<void> {
    this.calls.push({ op: 'publishPorts', ports: ports.map((p) => ({ ...p })), ip, tag });
  }
  async unpublishPorts(tag: string): Promise<void> {
    this.calls.push({ op: 'unpublishPorts', tag });
  }
  async deleteLinks(names: string[]): Promise<void> {
    this.calls.push({ op: 'deleteLinks', names });
  }
  async attachRunning(pid: number, attachment: BridgeAttachment, ifname: string): Promise<void> {
    this.calls.push({ op: 'attachRunning', pid, attachment, ifname });
  }
  hostListeners(): Listener[] {
    return this.listeners;
  }
  hostRoutes(): Route[] {
    return this.routes;
  }

  /** The calls of one kind, in order. */
  of<K extends DriverCall['op']>(op: K): Extract<DriverCall, { op: K }>[] {
    return this.calls.filter((c): c is Extract<DriverCall, { op: K }> => c.op === op);
  }
}
