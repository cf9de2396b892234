import { readFileSync } from 'node:fs';

/**
 * What the host already listens on, read from /proc/net/{tcp,udp}{,6} (no probing
 * traffic), so a published port that some host program holds fails as Docker's does.
 */
export interface Listener {
  proto: 'tcp' | 'udp';
  ip: string; // '0.0.0.0' for wildcard (v4 or v6)
  port: number;
}

/** Sockets bound on the host: TCP in LISTEN, UDP bound. */
export function parseProcNet(text: string, proto: Listener['proto'], v6: boolean): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || (proto === 'tcp' && f[3] !== '0A')) continue;
    const [addr = '', port = ''] = local.split(':');
    const wildcard = /^0+$/.test(addr);
    const ip = wildcard ? '0.0.0.0' : v6 ? addr : hexToIpv4(addr);
    out.push({ proto, ip, port: parseInt(port, 16) });
  }
  return out;
}

function hexToIpv4(hex: string): string {
  const n = parseInt(hex, 16) >>> 0;
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

export function hostListeners(): Listener[] {
  const out: Listener[] = [];
  for (const [file, proto, v6] of [['tcp', 'tcp', false], ['tcp6', 'tcp', true], ['udp', 'udp', false], ['udp6', 'udp', true]] as const) {
    try {
      out.push(...parseProcNet(readFileSync(`/proc/net/${file}`, 'utf8'), proto, v6));
    } catch {
      // no IPv6 on this host
    }
  }
  return out;
}
