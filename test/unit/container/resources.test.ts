import { describe, expect, it } from 'vitest';
import { parseResources, parseSize, parseCpuList } from '../../../src/container/resources.js';

const host = { cpus: 2, cpuList: [0, 1] };

describe('Docker resource flags', () => {
  it('parses sizes in binary units', () => {
    expect(parseSize('64m', '-m')).toBe(64 * 1024 * 1024);
    expect(parseSize('1.5g', '-m')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('512kb', '-m')).toBe(512 * 1024);
    expect(parseSize('100', '-m')).toBe(100);
    expect(() => parseSize('12q', '-m, --memory')).toThrow(`invalid argument "12q" for "-m, --memory" flag: invalid size: '12q'`);
  });
  it('turns --cpus into a CFS quota over a 100ms period', () => {
    expect(parseResources({ cpus: '0.5' }, host)).toEqual({ cpuPeriod: 100_000, cpuQuota: 50_000 });
    expect(() => parseResources({ cpus: '3' }, host)).toThrow('Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available');
    expect(() => parseResources({ cpus: '0.5', cpuQuota: '1000' }, host)).toThrow('Conflicting options');
  });
  it('checks memory rules', () => {
    expect(parseResources({ memory: '64m', memorySwap: '-1' }, host)).toEqual({ memory: 64 << 20, memorySwap: -1 });
    expect(() => parseResources({ memory: '4m' }, host)).toThrow('Minimum memory limit allowed is 6MB');
    expect(() => parseResources({ memorySwap: '64m' }, host)).toThrow('You should always set the Memory limit when using Memoryswap limit');
    expect(() => parseResources({ memory: '64m', memoryReservation: '128m' }, host)).toThrow('can not be less than memory reservation');
  });
  it('checks cpusets against the host', () => {
    expect(parseCpuList('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(parseResources({ cpusetCpus: '1' }, host)).toEqual({ cpusetCpus: '1' });
    expect(() => parseResources({ cpusetCpus: '0-3' }, host)).toThrow('Requested CPUs are not available - requested 0-3, available: 0-1');
  });
  it('clamps shares and parses the pids limit', () => {
    expect(parseResources({ cpuShares: '1', pidsLimit: '20' }, host)).toEqual({ cpuShares: 2, pids: 20 });
    expect(() => parseResources({ pidsLimit: 'x' }, host)).toThrow('invalid argument "x" for "--pids-limit" flag');
  });
});
