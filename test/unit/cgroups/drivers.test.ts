import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { V2Cgroup } from '../../../src/linux/cgroups/v2/cgroup.js';
import { V1Cgroup } from '../../../src/linux/cgroups/v1/cgroup.js';
import { sharesToWeight } from '../../../src/linux/cgroups/v2/cpu.js';
import { parseMountinfo } from '../../../src/linux/cgroups/detect.js';

/** The drivers' file writes, checked against a temp dir standing in for /sys/fs/cgroup (youki-style). */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-cg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const read = (...p: string[]) => readFileSync(path.join(dir, ...p), 'utf8');

describe('v2 driver', () => {
  it('enables controllers top-down and writes limits in v2 terms', () => {
    writeFileSync(path.join(dir, 'cgroup.controllers'), 'cpuset cpu io memory pids');
    writeFileSync(path.join(dir, 'cgroup.subtree_control'), '');
    const cg = new V2Cgroup(dir, 'c1');
    mkdirSync(path.join(dir, 'minibox'));
    writeFileSync(path.join(dir, 'minibox', 'cgroup.controllers'), 'cpuset cpu io memory pids');
    writeFileSync(path.join(dir, 'minibox', 'cgroup.subtree_control'), '');
    cg.create();
    expect(read('minibox', 'cgroup.subtree_control')).toBe('+io'); // the last write wins in a plain file
    cg.apply({ memory: 64 << 20, memorySwap: 128 << 20, memoryReservation: 32 << 20, cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 512, pids: 20, cpusetCpus: '0' });
    expect(read('minibox', 'c1', 'memory.max')).toBe(String(64 << 20));
    expect(read('minibox', 'c1', 'memory.swap.max')).toBe(String(64 << 20)); // swap only = 128M - 64M
    expect(read('minibox', 'c1', 'memory.low')).toBe(String(32 << 20));
    expect(read('minibox', 'c1', 'cpu.max')).toBe('50000 100000');
    expect(read('minibox', 'c1', 'cpu.weight')).toBe(String(sharesToWeight(512)));
    expect(read('minibox', 'c1', 'pids.max')).toBe('20');
    expect(read('minibox', 'c1', 'cpuset.cpus')).toBe('0');
    expect(cg.joinPaths).toEqual([path.join(dir, 'minibox', 'c1')]);
  });
  it('maps Docker shares onto weights like runc', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
  });
  it('reads stats and OOM kills', () => {
    const cg = new V2Cgroup(dir, 'c2');
    const d = path.join(dir, 'minibox', 'c2');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'memory.current'), '1048576');
    writeFileSync(path.join(d, 'memory.max'), '67108864');
    writeFileSync(path.join(d, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    writeFileSync(path.join(d, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\n');
    writeFileSync(path.join(d, 'pids.current'), '3');
    writeFileSync(path.join(d, 'io.stat'), '8:0 rbytes=100 wbytes=50 rios=1 wios=1\n');
    expect(cg.stats()).toEqual({ memoryUsage: 1048576, memoryLimit: 67108864, cpuUsageNs: 2_500_000, pids: 3, oomKills: 1, blockRead: 100, blockWrite: 50 });
  });
});

describe('v1 driver', () => {
  it('creates one dir per controller, inherits cpuset and writes v1 files', () => {
    const mounts = new Map<string, string>();
    for (const c of ['memory', 'cpu', 'cpuacct', 'pids', 'cpuset']) {
      mkdirSync(path.join(dir, c));
      mounts.set(c, path.join(dir, c));
    }
    writeFileSync(path.join(dir, 'cpuset', 'cpuset.cpus'), '0-1');
    writeFileSync(path.join(dir, 'cpuset', 'cpuset.mems'), '0');
    const cg = new V1Cgroup(mounts, 'c1');
    cg.create();
    expect(read('cpuset', 'minibox', 'c1', 'cpuset.cpus')).toBe('0-1');
    expect(read('cpuset', 'minibox', 'c1', 'cpuset.mems')).toBe('0');
    writeFileSync(path.join(dir, 'memory', 'minibox', 'c1', 'memory.memsw.limit_in_bytes'), '-1');
    cg.apply({ memory: 64 << 20, cpuQuota: 50_000, cpuPeriod: 100_000, pids: 20 });
    expect(read('memory', 'minibox', 'c1', 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(read('memory', 'minibox', 'c1', 'memory.memsw.limit_in_bytes')).toBe(String(128 << 20)); // Docker: swap = memory
    expect(read('cpu', 'minibox', 'c1', 'cpu.cfs_quota_us')).toBe('50000');
    expect(read('pids', 'minibox', 'c1', 'pids.max')).toBe('20');
    expect(cg.joinPaths).toHaveLength(5);
  });
  it('fails clearly when a needed controller is not mounted', () => {
    const cg = new V1Cgroup(new Map(), 'c1');
    expect(() => cg.apply({ pids: 5 })).toThrow('the pids cgroup controller is not mounted on this host');
    expect(existsSync(path.join(dir, 'pids'))).toBe(false);
  });
});

describe('hierarchy detection', () => {
  it('sees a hybrid host as v1 and a unified one as v2', () => {
    const hybrid = [
      '30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro',
      '31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
      '33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
    ].join('\n');
    const h = parseMountinfo(hybrid);
    expect(h.kind).toBe('v1');
    expect(h.v1Mounts.get('memory')).toBe('/sys/fs/cgroup/memory');
    expect(h.v1Mounts.get('cpuacct')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(parseMountinfo('30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw').kind).toBe('v2');
  });
});
