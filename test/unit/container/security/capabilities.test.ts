import { describe, expect, it } from 'vitest';
import { capabilityMask, capabilitySet, DEFAULT_CAPABILITIES, ociCapabilities } from '../../../../src/container/security/capabilities.js';

const LAST = 40;
const set = (add: string[] = [], drop: string[] = [], privileged = false) => capabilitySet({ add, drop, privileged }, LAST);

describe('capabilities', () => {
  it("Docker's 14 defaults are the mask a default container's CapEff reads", () => {
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
    expect(capabilityMask(set())).toBe('00000000a80425fb');
  });

  it('takes names with or without CAP_, in any case', () => {
    expect(set(['sys_admin'])).toContain('CAP_SYS_ADMIN');
    expect(set(['CAP_NET_ADMIN'])).toContain('CAP_NET_ADMIN');
    expect(set([], ['net_raw'])).not.toContain('CAP_NET_RAW');
    expect(set([], ['Cap_Chown'])).not.toContain('CAP_CHOWN');
  });

  it('drop ALL then add keeps only the added ones; add ALL minus the dropped', () => {
    expect(set(['NET_BIND_SERVICE'], ['ALL'])).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(set([], ['ALL'])).toEqual([]);
    const all = set(['ALL'], ['SYS_ADMIN']);
    expect(all).toHaveLength(LAST);
    expect(all).not.toContain('CAP_SYS_ADMIN');
  });

  it('--privileged is every capability of the kernel, whatever else is asked', () => {
    expect(set([], ['ALL'], true)).toHaveLength(LAST + 1);
    expect(capabilitySet({ add: [], drop: [], privileged: true }, 37)).toHaveLength(38);
  });

  it("refuses an unknown name in Docker's words", () => {
    expect(() => set(['FOO'])).toThrow('invalid CapAdd: unknown capability: "CAP_FOO"');
    expect(() => set([], ['cap_bar'])).toThrow('invalid CapDrop: unknown capability: "CAP_BAR"');
  });

  it('one set in all four sets, ambient empty', () => {
    const c = ociCapabilities(['CAP_KILL']);
    expect(c).toEqual({ bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: ['CAP_KILL'], ambient: [] });
  });
});
