import { describe, expect, it } from 'vitest';
import { parseProcCgroup } from '../../../src/linux/proc/cgroup-membership.js';
import { namespaceInodes } from '../../../src/linux/proc/namespaces.js';

describe('/proc readers for explain', () => {
  it("reads a hybrid host's /proc/<pid>/cgroup", () => {
    expect(parseProcCgroup('12:memory:/minibox/x\n4:cpu,cpuacct:/minibox/x\n0::/init.scope\n')).toEqual([
      { hierarchy: 12, controllers: ['memory'], path: '/minibox/x' },
      { hierarchy: 4, controllers: ['cpu', 'cpuacct'], path: '/minibox/x' },
      { hierarchy: 0, controllers: [], path: '/init.scope' },
    ]);
  });

  it("reads this process's namespace inodes; a process that is gone has none", () => {
    const mine = namespaceInodes('self');
    expect(mine.pid).toBeGreaterThan(0);
    expect(mine.net).toBeGreaterThan(0);
    expect(namespaceInodes(2 ** 22 + 1)).toEqual({});
  });
});
