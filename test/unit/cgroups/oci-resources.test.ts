import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { V2Cgroup } from '../../../src/linux/cgroups/v2/cgroup.js';
import { V1Cgroup } from '../../../src/linux/cgroups/v1/cgroup.js';

/** blockIO, hugepageLimits and unified through both drivers, against a temp dir standing in for /sys/fs/cgroup. */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-cg-oci-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const read = (...p: string[]) => readFileSync(path.join(dir, ...p), 'utf8');
const touch = (d: string, files: string[]) => files.forEach((f) => writeFileSync(path.join(d, f), ''));

const blockIO = { weight: 100, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 30 }] };

function v2Leaf(controllers: string): string {
  const leaf = path.join(dir, 'oci', 'c1');
  mkdirSync(leaf, { recursive: true });
  writeFileSync(path.join(leaf, 'cgroup.controllers'), controllers);
  return leaf;
}

describe('v2 driver: OCI-only resources', () => {
  it('writes io.weight (converted), io.max lines, hugetlb.<size>.max and unified files as given', () => {
    const leaf = v2Leaf('cpu io memory pids hugetlb');
    touch(leaf, ['io.weight', 'io.max', 'hugetlb.2MB.max', 'memory.high']);
    const cg = new V2Cgroup(dir, 'c1', 'oci/c1');
    cg.apply({ blockIO, hugepageLimits: [{ pageSize: '2MB', limit: 8 << 20 }], unified: { 'memory.high': '5000000' } });
    expect(read('oci', 'c1', 'io.weight')).toBe('910');
    expect(read('oci', 'c1', 'io.max')).toBe('8:0 wiops=30'); // the last of its lines: one write each
    expect(read('oci', 'c1', 'hugetlb.2MB.max')).toBe(String(8 << 20));
    expect(read('oci', 'c1', 'memory.high')).toBe('5000000');
  });

  it('refuses blockIO and hugepageLimits by field when the cgroup lacks io or hugetlb, before any write', () => {
    const leaf = v2Leaf('cpu memory pids');
    touch(leaf, ['pids.max']);
    const cg = new V2Cgroup(dir, 'c1', 'oci/c1');
    expect(() => cg.apply({ pids: 5, blockIO })).toThrow('linux.resources.blockIO: the io cgroup controller is not available in this cgroup');
    expect(() => cg.apply({ pids: 5, hugepageLimits: [{ pageSize: '2MB', limit: 1 }] })).toThrow('linux.resources.hugepageLimits: the hugetlb cgroup controller is not available in this cgroup');
    expect(read('oci', 'c1', 'pids.max')).toBe('');
  });

  it('refuses a unified file that is not there before any write, naming a missing controller', () => {
    const leaf = v2Leaf('cpu memory');
    touch(leaf, ['memory.high']);
    const cg = new V2Cgroup(dir, 'c1', 'oci/c1');
    expect(() => cg.apply({ unified: { 'memory.high': '1', 'rdma.max': 'x' } })).toThrow('linux.resources.unified: "rdma.max" can\'t be set: controller "rdma" not available');
    expect(() => cg.apply({ unified: { 'memory.high': '1', 'memory.nosuch': 'x' } })).toThrow('linux.resources.unified: "memory.nosuch" is not a file of this cgroup');
    expect(read('oci', 'c1', 'memory.high')).toBe('');
  });
});

describe('v1 driver: OCI-only resources', () => {
  function v1(controllers: string[]): V1Cgroup {
    const mounts = new Map<string, string>();
    for (const c of controllers) {
      mkdirSync(path.join(dir, c, 'oci'), { recursive: true });
      mounts.set(c, path.join(dir, c));
    }
    return new V1Cgroup(mounts, 'c1', 'oci');
  }

  it('writes blkio.* (BFQ when there) and hugetlb.<size>.limit_in_bytes', () => {
    const cg = v1(['blkio', 'hugetlb']);
    touch(path.join(dir, 'blkio', 'oci'), ['blkio.bfq.weight', 'blkio.throttle.read_bps_device', 'blkio.throttle.write_iops_device']);
    touch(path.join(dir, 'hugetlb', 'oci'), ['hugetlb.1GB.limit_in_bytes']);
    cg.apply({ blockIO, hugepageLimits: [{ pageSize: '1GB', limit: 1 << 30 }] });
    expect(read('blkio', 'oci', 'blkio.bfq.weight')).toBe('100');
    expect(read('blkio', 'oci', 'blkio.throttle.read_bps_device')).toBe('8:0 1048576');
    expect(read('blkio', 'oci', 'blkio.throttle.write_iops_device')).toBe('8:0 30');
    expect(read('hugetlb', 'oci', 'hugetlb.1GB.limit_in_bytes')).toBe(String(1 << 30));
  });

  it('refuses unified as runc does, and a missing blkio or hugetlb controller by field, before any write', () => {
    const cg = v1(['pids']);
    touch(path.join(dir, 'pids', 'oci'), ['pids.max']);
    expect(() => cg.apply({ pids: 5, unified: { 'pids.max': '3' } })).toThrow('invalid configuration: cannot use unified on cgroup v1');
    expect(() => cg.apply({ pids: 5, blockIO })).toThrow('linux.resources.blockIO: the blkio cgroup controller is not mounted on this host');
    expect(() => cg.apply({ pids: 5, hugepageLimits: [{ pageSize: '2MB', limit: 1 }] })).toThrow('linux.resources.hugepageLimits: the hugetlb cgroup controller is not mounted on this host');
    expect(read('pids', 'oci', 'pids.max')).toBe('');
  });
});
