import { describe, expect, it } from 'vitest';
import { networkModeOf } from '../../../src/engine/containers.js';
import type { OciSpec } from '../../../src/engine/containers.js';

const spec = (namespaces: string[]) => ({ linux: { namespaces: namespaces.map((type) => ({ type })) } }) as unknown as OciSpec;

describe("inspect's HostConfig.NetworkMode", () => {
  it('is bridge for the default network, as Docker 26+ shows it', () => {
    expect(networkModeOf(undefined, spec(['pid', 'network', 'mount']))).toBe('bridge');
    expect(networkModeOf('default', spec(['network']))).toBe('bridge');
    expect(networkModeOf('bridge', spec(['network']))).toBe('bridge');
  });
  it("is the --network given: a user network's name, host, none", () => {
    expect(networkModeOf('lab-net', spec(['network']))).toBe('lab-net');
    expect(networkModeOf('none', spec(['network']))).toBe('none');
    expect(networkModeOf('host', spec(['pid']))).toBe('host');
  });
  it('is host for a record without the flag whose spec shares the host network', () => {
    expect(networkModeOf(undefined, spec(['pid', 'mount']))).toBe('host');
  });
});
