import { describe, expect, it } from 'vitest';
import { chooseSubnet, parseRouteTable, parseSubnet, formatSubnet } from '../../../src/linux/network/addr.js';
import { allocateIp } from '../../../src/linux/network/ipam.js';
import { clashes, exposedPortSpecs, parsePortSpec, parseProcNet } from '../../../src/linux/network/ports.js';
import { hostsFile, parseAddHost, resolvConf } from '../../../src/linux/network/etcfiles.js';
import { linkEnv } from '../../../src/linux/network/links.js';
import { choosePorts } from '../../../src/engine/network-attach.js';

describe('port specs (Docker nat.ParsePortSpec)', () => {
  it('parses the forms', () => {
    expect(parsePortSpec('4407:3306')).toEqual([{ hostIp: '', hostStart: 4407, hostEnd: 4407, containerPort: 3306, proto: 'tcp' }]);
    expect(parsePortSpec('127.0.0.1:8080:80/udp')).toEqual([{ hostIp: '127.0.0.1', hostStart: 8080, hostEnd: 8080, containerPort: 80, proto: 'udp' }]);
    expect(parsePortSpec('80')).toEqual([{ hostIp: '', hostStart: 0, hostEnd: 0, containerPort: 80, proto: 'tcp' }]);
    expect(parsePortSpec('8000-8001:80-81').map((p) => [p.hostStart, p.containerPort])).toEqual([[8000, 80], [8001, 81]]);
    expect(parsePortSpec('8000-8010:80')[0]).toMatchObject({ hostStart: 8000, hostEnd: 8010 });
  });
  it.each([
    ['99999:80', 'invalid hostPort: 99999'],
    ['abc', 'invalid containerPort: abc'],
    ['80:', 'no port specified: 80:<empty>'],
    ['1.2.3:80:80', 'invalid IP address: 1.2.3'],
    ['80/sctp', 'invalid proto: sctp'],
    ['8000-8002:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 8000-8002'],
  ])('%s → %s', (spec, msg) => expect(() => parsePortSpec(spec)).toThrow(msg));
  it('reads ExposedPorts', () => {
    expect(exposedPortSpecs({ '80/tcp': {}, '53/udp': {} }).map((p) => `${p.containerPort}/${p.proto}`)).toEqual(['80/tcp', '53/udp']);
  });
});

describe('host ports', () => {
  const tcp = '  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A 0\n   1: 00000000:0016 00000000:0000 0A 0\n   2: 0100007F:1F91 0100007F:9999 01 0\n';
  it('parses listeners from /proc/net/tcp', () => {
    expect(parseProcNet(tcp, 'tcp', false)).toEqual([{ proto: 'tcp', ip: '127.0.0.1', port: 8080 }, { proto: 'tcp', ip: '0.0.0.0', port: 22 }]);
  });
  it('wildcards clash with everything on the port', () => {
    expect(clashes({ proto: 'tcp', ip: '0.0.0.0', port: 80 }, { proto: 'tcp', ip: '127.0.0.1', port: 80 })).toBe(true);
    expect(clashes({ proto: 'tcp', ip: '10.0.0.1', port: 80 }, { proto: 'tcp', ip: '127.0.0.1', port: 80 })).toBe(false);
    expect(clashes({ proto: 'udp', ip: '0.0.0.0', port: 80 }, { proto: 'tcp', ip: '0.0.0.0', port: 80 })).toBe(false);
  });
  it('chooses free ephemeral ports and reports conflicts in Docker words', () => {
    const listeners = [{ proto: 'tcp' as const, ip: '0.0.0.0', port: 32768 }];
    const got = choosePorts(parsePortSpec('80').concat(parsePortSpec('81')), [], { id: 'x', name: 'web' }, listeners);
    expect(got.map((b) => b.hostPort)).toEqual([32769, 32770]);
    const other = { id: 'o', name: 'o', hostname: 'o', endpoints: [], exposed: [], tag: '', dir: '', extraHosts: [], ports: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp' as const }] };
    expect(() => choosePorts(parsePortSpec('8080:80'), [other], { id: 'x', name: 'web' }, [])).toThrow('Bind for 0.0.0.0:8080 failed: port is already allocated');
  });
});

describe('subnets and IPAM', () => {
  it('reads /proc/net/route', () => {
    const text = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nendp\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n';
    expect(parseRouteTable(text).map(formatSubnet)).toEqual(['192.0.2.0/24']);
  });
  it('skips candidates that collide with routes or other networks', () => {
    expect(formatSubnet(chooseSubnet([parseSubnet('10.0.0.0/8')], [parseSubnet('172.30.0.0/16')]))).toBe('172.29.0.0/16');
  });
  it('rejects bad subnets', () => {
    expect(() => parseSubnet('10.1.2.3/16')).toThrow('host bits');
    expect(() => parseSubnet('nope')).toThrow('invalid subnet');
  });
  it('allocates the lowest free address, never the gateway or broadcast', () => {
    expect(allocateIp('10.87.0.0/16', '10.87.0.1', [])).toBe('10.87.0.2');
    expect(allocateIp('10.87.0.0/16', '10.87.0.1', ['10.87.0.2', '10.87.0.4'])).toBe('10.87.0.3');
    expect(() => allocateIp('192.168.1.0/30', '192.168.1.1', ['192.168.1.2'])).toThrow('no available IPv4 addresses');
  });
});

describe('/etc files', () => {
  it('hosts: standard lines, extras, self', () => {
    const text = hostsFile([{ ip: '10.0.0.9', names: ['db', 'db'] }], { ip: '10.87.0.2', names: ['box'] });
    expect(text.split('\n').slice(6)).toEqual(['10.0.0.9\tdb', '10.87.0.2\tbox', '']);
    expect(text.startsWith('127.0.0.1\tlocalhost\n')).toBe(true);
  });
  it('add-host', () => {
    expect(parseAddHost('db:10.1.2.3')).toEqual({ ip: '10.1.2.3', names: ['db'] });
    expect(() => parseAddHost('db')).toThrow('bad format for add-host');
  });
  it('resolv.conf drops loopback resolvers and falls back to Docker defaults', () => {
    expect(resolvConf({ hostText: 'nameserver 127.0.0.53\nsearch lan\noptions edns0\n' })).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch lan\noptions edns0\n');
    expect(resolvConf({ hostText: 'nameserver 127.0.0.1\nnameserver 10.0.0.53\n' })).toBe('nameserver 10.0.0.53\n');
    expect(resolvConf({ hostText: 'nameserver 10.0.0.53\n', dns: ['1.1.1.1'] })).toBe('nameserver 1.1.1.1\n');
  });
});

describe('links', () => {
  it('produces Docker legacy variables', () => {
    const env = linkEnv({ alias: 'db', name: 'mysql', hostname: 'h', ip: '10.87.0.2', exposed: ['3306/tcp'], env: ['PATH=/bin', 'MYSQL_ROOT_PASSWORD=123'] }, 'web');
    expect(env).toEqual([
      'DB_PORT=tcp://10.87.0.2:3306',
      'DB_PORT_3306_TCP=tcp://10.87.0.2:3306',
      'DB_PORT_3306_TCP_ADDR=10.87.0.2',
      'DB_PORT_3306_TCP_PORT=3306',
      'DB_PORT_3306_TCP_PROTO=tcp',
      'DB_NAME=/web/db',
      'DB_ENV_MYSQL_ROOT_PASSWORD=123',
    ]);
  });
});
