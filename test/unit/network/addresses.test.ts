import { describe, expect, it } from 'vitest';
import { chooseSubnet, formatSubnet, gatewayOf, parseSubnet } from '../../../src/network/addresses.js';
import { allocateIp } from '../../../src/network/ip-allocation.js';

describe('subnets and IPAM', () => {
  it('skips candidates that collide with routes or other networks', () => {
    expect(formatSubnet(chooseSubnet([parseSubnet('10.0.0.0/8')], [parseSubnet('172.30.0.0/16')]))).toBe('172.29.0.0/16');
    expect(() => chooseSubnet([parseSubnet('10.0.0.0/8')], [], ['10.87.0.0/16'])).toThrow('could not find an available');
  });
  it('rejects bad subnets; the gateway is the first host address', () => {
    expect(() => parseSubnet('10.1.2.3/16')).toThrow('host bits');
    expect(() => parseSubnet('nope')).toThrow('invalid subnet');
    expect(gatewayOf(parseSubnet('172.30.0.0/16'))).toBe('172.30.0.1');
  });
  it('allocates the lowest free address, never the gateway or broadcast', () => {
    expect(allocateIp('10.87.0.0/16', '10.87.0.1', [])).toBe('10.87.0.2');
    expect(allocateIp('10.87.0.0/16', '10.87.0.1', ['10.87.0.2', '10.87.0.4'])).toBe('10.87.0.3');
    expect(() => allocateIp('192.168.1.0/30', '192.168.1.1', ['192.168.1.2'])).toThrow('no available IPv4 addresses');
  });
});
