import { readFileSync } from 'node:fs';

/**
 * The host's routes, read from /proc/net/route (not from `ip`), so a new bridge subnet
 * collides with none of them. Same shape as network/addresses.ts's Subnet.
 */
export interface Route {
  base: number; // destination, host bits zero
  prefix: number;
}

/** Routes of the host's main table, default route excluded (it overlaps everything). */
export function parseRouteTable(text: string): Route[] {
  const out: Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = littleEndianHex(f[1] ?? '');
    const mask = littleEndianHex(f[7] ?? '');
    if (mask === 0) continue;
    const prefix = 32 - Math.log2(2 ** 32 - mask);
    out.push({ base: dest, prefix: Number.isInteger(prefix) ? prefix : 32 });
  }
  return out;
}

function littleEndianHex(hex: string): number {
  const n = parseInt(hex, 16) >>> 0;
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

export function hostRoutes(): Route[] {
  try {
    return parseRouteTable(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return [];
  }
}
