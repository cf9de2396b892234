import { shimPath } from '../shim.js';
import { MiniboxError } from '../../util/errors.js';
import { CommandError, runCommand } from '../../util/command.js';
import { trace, traceStep } from '../../util/trace-events.js';

/**
 * Links and addresses, through minibox-shim (netlink is C's job; minibox never runs `ip`):
 * outside of a container start, deleting links and attaching a running container to one
 * more network; at start, the shim's "net.*" config records built here
 * (native-shim/src/config/netconfig.h) say what to set up.
 */
export interface BridgeAttachment {
  bridge: string;
  bridgeCidr: string; // gateway/prefix: the bridge's own address
  veth: string;
  cidr: string; // the container's address/prefix
  gateway: string;
}

export function bridgeRecords(a: BridgeAttachment): string[] {
  return ['net.mode=bridge', `net.bridge=${a.bridge}`, `net.bridge_addr=${a.bridgeCidr}`, `net.veth=${a.veth}`, `net.addr=${a.cidr}`, `net.gateway=${a.gateway}`];
}

export function etcRecords(files: Record<string, string>): string[] {
  return Object.entries(files).map(([dest, src]) => `net.etc=${dest}:${src}`);
}

async function shim(args: string[]): Promise<void> {
  try {
    await runCommand(shimPath(), args);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    throw new MiniboxError(err.stderr.replace(/^minibox: /, '') || `minibox-shim ${args[0]} failed: ${err.message}`);
  }
}

/** Delete links by name (missing ones are fine). */
export async function deleteLinks(names: string[]): Promise<void> {
  if (names.length > 0) await shim(['link-del', ...names]);
  if (trace.on && names.length > 0) traceStep({ step: 'ip link del', target: names.join(' '), result: 'deleted (RTM_DELLINK, one batch)', concept: 'veth' });
}

export async function attachRunning(pid: number, a: BridgeAttachment, ifname: string): Promise<void> {
  await shim(['net-attach', String(pid), a.bridge, a.bridgeCidr, a.veth, ifname, a.cidr]);
  if (trace.on) traceStep({ step: 'veth', target: `${a.veth} ↔ ${ifname} in netns of pid ${pid}`, value: a.cidr, result: `on ${a.bridge}`, concept: 'veth' });
}
