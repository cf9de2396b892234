import { describe, expect, it } from 'vitest';
import { cgroupDirsToRemove, resolveCgroupsPath } from '../../../src/runtime/cgroups-path.js';

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

describe('cgroupDirsToRemove (what delete may rmdir)', () => {
  const leaves = ['/sys/fs/cgroup/pids/minibox/machine.slice/libpod-c2.scope', '/sys/fs/cgroup/memory/minibox/machine.slice/libpod-c2.scope'];

  it('under minibox/: every level up to minibox/, also those another container\'s create made', () => {
    // c2 made only its leaves: minibox/ and machine.slice were c1's, which is gone
    expect(cgroupDirsToRemove('minibox/machine.slice/libpod-c2.scope', leaves, leaves).sort()).toEqual([
      '/sys/fs/cgroup/memory/minibox',
      '/sys/fs/cgroup/memory/minibox/machine.slice',
      '/sys/fs/cgroup/memory/minibox/machine.slice/libpod-c2.scope',
      '/sys/fs/cgroup/pids/minibox',
      '/sys/fs/cgroup/pids/minibox/machine.slice',
      '/sys/fs/cgroup/pids/minibox/machine.slice/libpod-c2.scope',
    ]);
    expect(cgroupDirsToRemove('minibox/oci-c1', [], ['/sys/fs/cgroup/unified/minibox/oci-c1'])).toEqual(['/sys/fs/cgroup/unified/minibox']);
  });

  it('an absolute cgroupsPath: only what create made (the caller\'s parents stay)', () => {
    const leaf = ['/sys/fs/cgroup/pids/ns/c1'];
    expect(cgroupDirsToRemove('ns/c1', leaf, leaf)).toEqual(leaf);
    expect(cgroupDirsToRemove('ns/c1', ['/sys/fs/cgroup/pids/ns', ...leaf], leaf)).toEqual(['/sys/fs/cgroup/pids/ns', ...leaf]);
    // a path that only starts with the parent's name is not under it
    expect(cgroupDirsToRemove('minibox-other/c1', [], ['/sys/fs/cgroup/pids/minibox-other/c1'])).toEqual([]);
  });
});
