import { describe, expect, it } from 'vitest';
import { hostModeHostsFile, hostsFile, hostsFor, parseAddHost, resolvConf } from '../../../src/network/etc-files.js';
import { linkEnv, linkHost, parseLink } from '../../../src/network/links.js';
import type { ContainerNet } from '../../../src/network/records.js';

describe('/etc files', () => {
  it('hosts: standard lines, extras, self', () => {
    const text = hostsFile([{ ip: '10.0.0.9', names: ['db', 'db'] }], { ip: '10.87.0.2', names: ['box'] });
    expect(text.split('\n').slice(6)).toEqual(['10.0.0.9\tdb', '10.87.0.2\tbox', '']);
    expect(text.startsWith('127.0.0.1\tlocalhost\n')).toBe(true);
    expect(hostModeHostsFile('127.0.0.1 localhost\n', text)).toBe('127.0.0.1 localhost\n10.0.0.9\tdb\n10.87.0.2\tbox\n');
  });
  it('hosts of a user network name the peers, not the default bridge ones', () => {
    const ep = (network: string, ip: string) => ({ network, bridge: 'b', ip, prefix: 16, gateway: '', veth: '', ifname: 'eth0', aliases: network === 'app' ? ['api'] : [] });
    const net = (id: string, name: string, eps: ContainerNet['endpoints']): ContainerNet => ({ id, name, hostname: name, endpoints: eps, ports: [], exposed: [], tag: '', dir: '', extraHosts: [] });
    const me = net('a'.repeat(64), 'web', [ep('app', '172.30.0.2')]);
    const peer = net('b'.repeat(64), 'srv', [ep('app', '172.30.0.3')]);
    const other = net('c'.repeat(64), 'lone', [ep('bridge', '10.87.0.9')]);
    expect(hostsFor(me, [me, peer, other]).split('\n').slice(6)).toEqual([`172.30.0.3\tsrv api ${'b'.repeat(12)}`, '172.30.0.2\tweb', '']);
  });
  it('add-host', () => {
    expect(parseAddHost('db:10.1.2.3')).toEqual({ ip: '10.1.2.3', names: ['db'] });
    expect(parseAddHost('db=10.1.2.3')).toEqual({ ip: '10.1.2.3', names: ['db'] });
    expect(() => parseAddHost('db')).toThrow('bad format for add-host');
    expect(() => parseAddHost('db:nope')).toThrow('invalid IP address in add-host: "nope"');
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
  it('parses name[:alias] and names the target by alias, hostname and name', () => {
    expect(parseLink('/mysql:db')).toEqual({ name: 'mysql', alias: 'db' });
    expect(parseLink('mysql')).toEqual({ name: 'mysql', alias: 'mysql' });
    expect(linkHost({ alias: 'db', name: 'mysql', hostname: 'h', ip: '10.87.0.2', exposed: [], env: [] })).toEqual({ ip: '10.87.0.2', names: ['db', 'h', 'mysql'] });
  });
});
