import type { StatePaths } from '../util/paths.js';
import { withLock } from '../linux/file-lock.js';
import { linuxNetworkDriver, type NetworkDriver } from '../linux/network/driver.js';
import { networkPaths, type NetworkPaths } from '../network/store.js';

/**
 * What every network use case works with: the container state root, the host-wide network
 * records, and the kernel-facing driver (the real one unless a test passes a fake).
 */
export interface NetworkContext {
  paths: StatePaths;
  np: NetworkPaths;
  driver: NetworkDriver;
}

export function networkContext(paths: StatePaths, driver?: NetworkDriver): NetworkContext {
  const np = networkPaths();
  return { paths, np, driver: driver ?? linuxNetworkDriver(np.forwardMemo) };
}

/** Allocation and teardown read and change every endpoint record: one at a time, host-wide. */
export function withNetworkLock<T>(ctx: NetworkContext, fn: () => Promise<T>): Promise<T> {
  return withLock(ctx.np.locks, 'network', fn);
}
