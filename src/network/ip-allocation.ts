import { MiniboxError } from '../util/errors.js';
import { broadcast, intToIp, ipToInt, parseSubnet } from './addresses.js';

/**
 * Address allocation: the lowest free host address of the subnet, skipping the network
 * address, the gateway and the broadcast address. Pure; the caller holds the network lock
 * and passes every address in use (from the endpoint records).
 */
export function allocateIp(subnet: string, gateway: string, used: Iterable<string>): string {
  const s = parseSubnet(subnet);
  const taken = new Set<number>([...used].map((ip) => ipToInt(ip) ?? -1));
  taken.add(ipToInt(gateway) ?? -1);
  const last = broadcast(s);
  for (let ip = s.base + 1; ip < last; ip++) if (!taken.has(ip)) return intToIp(ip);
  throw new MiniboxError(`no available IPv4 addresses on this network's address pools: ${subnet}`);
}
