import { describe, expect, it } from 'vitest';
import { resolveCgroupsPath } from '../../../src/runtime/cgroups-path.js';

const spec = (cgroupsPath: unknown) => ({ linux: { cgroupsPath } });

describe('resolveCgroupsPath (linux.cgroupsPath, runc cgroupfs semantics)', () => {
  it('absent or empty: minibox/oci-<id>', () => {
    expect(resolveCgroupsPath({}, 'c1')).toBe('minibox/oci-c1');
    expect(resolveCgroupsPath(spec(''), 'c1')).toBe('minibox/oci-c1');
  });

  it('absolute: relative to the hierarchy root, normalized (containerd, podman cgroupfs)', () => {
    expect(resolveCgroupsPath(spec('/default/c1'), 'c1')).toBe('default/c1');
    expect(resolveCgroupsPath(spec('//libpod_parent/./libpod-c1/'), 'c1')).toBe('libpod_parent/libpod-c1');
  });

  it('relative: under the runtime parent minibox/', () => {
    expect(resolveCgroupsPath(spec('machine.slice/libpod-c1.scope'), 'c1')).toBe('minibox/machine.slice/libpod-c1.scope');
  });

  it('refuses .., control characters, the root itself and non-strings', () => {
    expect(() => resolveCgroupsPath(spec('/a/../../etc'), 'c1')).toThrow('config.json: linux.cgroupsPath "/a/../../etc" has a ".." component (give a path inside the cgroup hierarchy)');
    expect(() => resolveCgroupsPath(spec('/a\nb'), 'c1')).toThrow('config.json: linux.cgroupsPath "/a\\nb" has a control character');
    expect(() => resolveCgroupsPath(spec('/'), 'c1')).toThrow('names the cgroup root');
    expect(() => resolveCgroupsPath(spec(3), 'c1')).toThrow('config.json: linux.cgroupsPath must be a string');
  });
});
