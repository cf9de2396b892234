import { MiniboxError } from '../util/errors.js';

/**
 * IPv4 addresses and subnets as plain numbers, and the choice of a bridge subnet that
 * collides with none of the host's routes (the caller reads those: linux/network/host-routes.ts).
 */
export interface Subnet {
  base: number; // network address, host bits zero
  prefix: number;
}

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.87.0.0/16" → Subnet; the host bits must be zero (Docker refuses them too). */
export function parseSubnet(cidr: string): Subnet {
  const [ip = '', len = '', ...rest] = cidr.split('/');
  const base = ipToInt(ip);
  const prefix = /^\d{1,2}$/.test(len) ? Number(len) : -1;
  if (base === undefined || rest.length > 0 || prefix < 8 || prefix > 30) {
    throw new MiniboxError(`invalid subnet ${cidr}: expected an IPv4 CIDR such as 10.87.0.0/16 (prefix 8 to 30)`);
  }
  if (((base & ~maskOf(prefix)) >>> 0) !== 0) throw new MiniboxError(`invalid subnet ${cidr}: host bits are set`);
  return { base, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${intToIp(s.base)}/${s.prefix}`;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const mask = maskOf(Math.min(a.prefix, b.prefix));
  return ((a.base & mask) >>> 0) === ((b.base & mask) >>> 0);
}

export function broadcast(s: Subnet): number {
  return (s.base | ~maskOf(s.prefix)) >>> 0;
}

/** The gateway (bridge address) Docker uses: the first host address. */
export function gatewayOf(s: Subnet): string {
  return intToIp(s.base + 1);
}

/** Candidates in order; 10.88/16 is left alone because podman's default network uses it. */
export const SUBNET_CANDIDATES = [
  '10.87.0.0/16',
  '172.30.0.0/16',
  '172.29.0.0/16',
  '172.28.0.0/16',
  '10.86.0.0/16',
  '10.85.0.0/16',
  '192.168.227.0/24',
  '192.168.228.0/24',
];

/** First candidate overlapping neither a host route nor a subnet minibox already uses. */
export function chooseSubnet(routes: Subnet[], used: Subnet[], candidates = SUBNET_CANDIDATES): Subnet {
  for (const c of candidates.map(parseSubnet)) {
    if (!routes.some((r) => overlaps(r, c)) && !used.some((u) => overlaps(u, c))) return c;
  }
  throw new MiniboxError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}
