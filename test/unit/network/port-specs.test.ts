import { describe, expect, it } from 'vitest';
import { exposedKeys, exposedPortSpecs, parsePortSpec, publishedSpecs } from '../../../src/network/port-specs.js';
import { choosePorts, clashes } from '../../../src/network/port-allocation.js';

describe('port specs (Docker nat.ParsePortSpec)', () => {
  it('parses the forms', () => {
    expect(parsePortSpec('4407:3306')).toEqual([{ hostIp: '', hostStart: 4407, hostEnd: 4407, containerPort: 3306, proto: 'tcp' }]);
    expect(parsePortSpec('127.0.0.1:8080:80/udp')).toEqual([{ hostIp: '127.0.0.1', hostStart: 8080, hostEnd: 8080, containerPort: 80, proto: 'udp' }]);
    expect(parsePortSpec('80')).toEqual([{ hostIp: '', hostStart: 0, hostEnd: 0, containerPort: 80, proto: 'tcp' }]);
    expect(parsePortSpec('0.0.0.0:80:80')[0]?.hostIp).toBe('');
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
  it('-p wins over -P for the same port; exposed keys gain the published ports', () => {
    const specs = publishedSpecs(parsePortSpec('9090:80'), exposedPortSpecs({ '80/tcp': {}, '443/tcp': {} }));
    expect(specs.map((s) => [s.hostStart, s.containerPort])).toEqual([[9090, 80], [0, 443]]);
    expect(exposedKeys({ '8080': {} }, parsePortSpec('53:53/udp'))).toEqual(['8080/tcp', '53/udp']);
  });
});

describe('host ports', () => {
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
    expect(() => choosePorts(parsePortSpec('22:80'), [], { id: 'x', name: 'web' }, [{ proto: 'tcp', ip: '0.0.0.0', port: 22 }])).toThrow('bind: address already in use');
  });
  it('a host range gives the first free port of it, and says when all are taken', () => {
    const taken = [{ proto: 'tcp' as const, ip: '0.0.0.0', port: 8000 }];
    expect(choosePorts(parsePortSpec('8000-8002:80'), [], { id: 'x', name: 'web' }, taken).map((b) => b.hostPort)).toEqual([8001]);
    expect(() => choosePorts(parsePortSpec('8000-8000:80').concat(parsePortSpec('8000-8000:81')), [], { id: 'x', name: 'web' }, [])).toThrow('port is already allocated');
    expect(() => choosePorts(parsePortSpec('8000-8001:80'), [], { id: 'x', name: 'web' }, [...taken, { proto: 'tcp', ip: '0.0.0.0', port: 8001 }])).toThrow('all ports from 8000 to 8001 are allocated');
  });
});
