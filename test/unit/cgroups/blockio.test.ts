import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bfqPerDevice, blkioWrites, deviceLine, ioWeightOf, ioWrites, unifiedKeyProblem, writeExisting } from '../../../src/linux/cgroups/blockio.js';
import { hugetlbWrites } from '../../../src/linux/cgroups/hugetlb.js';

const throttled = {
  throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
  throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 2097152 }],
  throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
  throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 50 }],
};

describe('blkio weight conversion (runc ConvertBlkIOToIOWeightValue)', () => {
  it('maps 10..1000 linearly onto io.weight 1..10000 in integer arithmetic; 0 stays unset', () => {
    expect([10, 100, 500, 999, 1000].map(ioWeightOf)).toEqual([1, 910, 4950, 9989, 10000]);
    expect(ioWeightOf(0)).toBe(0);
  });
});

describe('v1 blkio writes', () => {
  it('weights to blkio.weight(_device) without BFQ, to blkio.bfq.weight(_device) with it; leaf weights and throttles by file', () => {
    const b = { weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 50 }, { major: 8, minor: 16, leafWeight: 40 }], ...throttled };
    expect(blkioWrites(b, false)).toEqual([
      ['blkio.weight', '300'],
      ['blkio.leaf_weight', '200'],
      ['blkio.weight_device', '8:0 500'],
      ['blkio.leaf_weight_device', '8:0 50'],
      ['blkio.leaf_weight_device', '8:16 40'],
      ['blkio.throttle.read_bps_device', '8:0 1048576'],
      ['blkio.throttle.write_bps_device', '8:16 2097152'],
      ['blkio.throttle.read_iops_device', '8:0 100'],
      ['blkio.throttle.write_iops_device', '254:0 50'],
    ]);
    expect(blkioWrites({ weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 500 }] }, true)).toEqual([
      ['blkio.bfq.weight', '300'],
      ['blkio.bfq.weight_device', '8:0 500'],
    ]);
    expect(blkioWrites({}, true)).toEqual([]);
  });

  it('formats device lines as major:minor value', () => {
    expect(deviceLine({ major: 259, minor: 3 }, 0)).toBe('259:3 0');
  });
});

describe('v2 io writes', () => {
  it('converts the weight into io.weight without BFQ; throttles are io.max key=value lines; leaf weights have no v2 file', () => {
    const b = { weight: 100, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 500 }], ...throttled };
    expect(ioWrites(b, { bfq: false, bfqPerDevice: false })).toEqual([
      ['io.weight', '910'],
      ['io.max', '8:0 rbps=1048576'],
      ['io.max', '8:16 wbps=2097152'],
      ['io.max', '8:0 riops=100'],
      ['io.max', '254:0 wiops=50'],
    ]);
  });

  it('writes the raw weight to io.bfq.weight, and per-device weights there when the kernel takes them', () => {
    const b = { weight: 100, weightDevice: [{ major: 8, minor: 0, weight: 500 }, { major: 8, minor: 16, leafWeight: 20 }] };
    expect(ioWrites(b, { bfq: true, bfqPerDevice: true })).toEqual([
      ['io.bfq.weight', '100'],
      ['io.bfq.weight', '8:0 500'],
    ]);
    expect(ioWrites(b, { bfq: true, bfqPerDevice: false })).toEqual([['io.bfq.weight', '100']]);
  });

  it('tells a per-device io.bfq.weight from an old bare number', () => {
    expect(bfqPerDevice('default 100\n8:0 500\n')).toBe(true);
    expect(bfqPerDevice('100\n')).toBe(false);
    expect(bfqPerDevice('')).toBe(false);
  });
});

describe('hugetlb writes', () => {
  it('names v1 limit_in_bytes and v2 max files by page size, with the reservation files where the kernel has them', () => {
    const l = [{ pageSize: '2MB', limit: 4 << 20 }, { pageSize: '1GB', limit: 0 }];
    expect(hugetlbWrites(l, 'v1', false)).toEqual([
      ['hugetlb.2MB.limit_in_bytes', String(4 << 20)],
      ['hugetlb.1GB.limit_in_bytes', '0'],
    ]);
    expect(hugetlbWrites(l.slice(0, 1), 'v2', true)).toEqual([
      ['hugetlb.2MB.max', String(4 << 20)],
      ['hugetlb.2MB.rsvd.max', String(4 << 20)],
    ]);
  });
});

describe('unified keys', () => {
  it('takes CONTROLLER.PARAMETER file names only', () => {
    expect(unifiedKeyProblem('memory.high')).toBeUndefined();
    expect(unifiedKeyProblem('cgroup.freeze')).toBeUndefined();
    for (const k of ['../memory.max', 'a/b.c', '..', '.', 'x\0.y']) expect(unifiedKeyProblem(k)).toMatch(/no slashes/);
    for (const k of ['memory', '.max', '']) expect(unifiedKeyProblem(k)).toMatch(/CONTROLLER.PARAMETER/);
  });
});

describe('writeExisting', () => {
  it('writes each line in order when every file is there, and nothing when one is missing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-blkio-'));
    try {
      writeFileSync(path.join(dir, 'blkio.weight'), '');
      writeFileSync(path.join(dir, 'blkio.throttle.read_bps_device'), '');
      writeExisting(dir, [['blkio.weight', '300'], ['blkio.throttle.read_bps_device', '8:0 1']]);
      expect(readFileSync(path.join(dir, 'blkio.weight'), 'utf8')).toBe('300');
      expect(readFileSync(path.join(dir, 'blkio.throttle.read_bps_device'), 'utf8')).toBe('8:0 1');
      expect(() => writeExisting(dir, [['blkio.weight', '500'], ['blkio.leaf_weight', '200']])).toThrow('linux.resources.blockIO: this kernel has no blkio.leaf_weight (the file it would be written to)');
      expect(readFileSync(path.join(dir, 'blkio.weight'), 'utf8')).toBe('300');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
