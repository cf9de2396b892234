import { describe, expect, it } from 'vitest';
import { parseProcNet } from '../../../src/linux/network/host-listeners.js';
import { parseRouteTable } from '../../../src/linux/network/host-routes.js';
import { portRule } from '../../../src/linux/network/iptables.js';

describe('host sockets and routes from /proc/net', () => {
  it('parses listeners from /proc/net/tcp', () => {
    const tcp = '  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A 0\n   1: 00000000:0016 00000000:0000 0A 0\n   2: 0100007F:1F91 0100007F:9999 01 0\n';
    expect(parseProcNet(tcp, 'tcp', false)).toEqual([{ proto: 'tcp', ip: '127.0.0.1', port: 8080 }, { proto: 'tcp', ip: '0.0.0.0', port: 22 }]);
  });
  it('reads /proc/net/route, default route excluded', () => {
    const text = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nendp\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n';
    expect(parseRouteTable(text)).toEqual([{ base: 0xc0000200, prefix: 24 }]);
  });
});

describe('DNAT rules', () => {
  it('are written as iptables-save prints them', () => {
    expect(portRule({ hostIp: '0.0.0.0', hostPort: 4407, containerPort: 3306, proto: 'tcp' }, '10.87.0.2', 'mbx-abc')).toBe(
      '-A MINIBOX -p tcp -m tcp --dport 4407 -m comment --comment mbx-abc -j DNAT --to-destination 10.87.0.2:3306',
    );
    expect(portRule({ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'udp' }, '10.87.0.3', 'mbx-def')).toBe(
      '-A MINIBOX -d 127.0.0.1/32 -p udp -m udp --dport 8080 -m comment --comment mbx-def -j DNAT --to-destination 10.87.0.3:80',
    );
  });
});
