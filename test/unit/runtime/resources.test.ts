import { describe, expect, it } from 'vitest';
import { runtimeOnlyLimits } from '../../../src/runtime/resources.js';
import { limitsOfFlags, limitsOfResources } from '../../../src/runtime/manage.js';

const W = 'config.json linux.resources';

describe('runtimeOnlyLimits (blockIO, hugepageLimits, unified)', () => {
  it('reads every blockIO field, hugepage limits and unified files', () => {
    const l = runtimeOnlyLimits(
      {
        blockIO: {
          weight: 300,
          leafWeight: 0, // Go's zero: unset
          weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 20 }],
          throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
          throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 10 }],
        },
        hugepageLimits: [{ pageSize: '2MB', limit: 8 << 20 }],
        unified: { 'memory.high': '50000000' },
        memory: { limit: 1 },
      },
      W,
    );
    expect(l).toEqual({
      blockIO: {
        weight: 300,
        weightDevice: [{ major: 8, minor: 0, weight: 500, leafWeight: 20 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
        throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 10 }],
      },
      hugepageLimits: [{ pageSize: '2MB', limit: 8 << 20 }],
      unified: { 'memory.high': '50000000' },
    });
    expect(runtimeOnlyLimits({ blockIO: {}, hugepageLimits: [], unified: {} }, W)).toEqual({});
    expect(runtimeOnlyLimits(undefined, W)).toEqual({});
  });

  it('refuses malformed values by field', () => {
    const cases: [unknown, RegExp][] = [
      [{ blockIO: { weight: 1001 } }, /linux.resources.blockIO.weight: expected 10..1000/],
      [{ blockIO: { weightDevice: [{ major: 8, weight: 100 }] } }, /blockIO.weightDevice\[0\].minor: expected a non-negative integer/],
      [{ blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: -1 }] } }, /throttleReadBpsDevice\[0\].rate/],
      [{ blockIO: { throttleWriteBpsDevice: {} } }, /throttleWriteBpsDevice: expected an array/],
      [{ hugepageLimits: [{ pageSize: '2M', limit: 1 }] }, /hugepageLimits\[0\].pageSize/],
      [{ hugepageLimits: [{ pageSize: '2MB', limit: 1.5 }] }, /hugepageLimits\[0\].limit/],
      [{ unified: { '../../memory.max': '1' } }, /unified key "..\/..\/memory.max": must be a file name/],
      [{ unified: { memory: '1' } }, /CONTROLLER.PARAMETER/],
      [{ unified: { 'memory.high': 5 } }, /unified\["memory.high"\]: expected a string/],
    ];
    for (const [r, msg] of cases) expect(() => runtimeOnlyLimits(r, W)).toThrow(msg);
  });

  it('is what update --resources and --blkio-weight give the cgroup driver', () => {
    expect(limitsOfResources({ pids: { limit: 5 }, blockIO: { weight: 100 } })).toEqual({ pids: 5, blockIO: { weight: 100 } });
    expect(limitsOfFlags({ 'blkio-weight': '200' })).toEqual({ blockIO: { weight: 200 } });
    expect(() => limitsOfFlags({ 'blkio-weight': '5' })).toThrow(/--blkio-weight: 5 \(10..1000\)/);
  });
});
