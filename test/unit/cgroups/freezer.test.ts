import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { V1Cgroup } from '../../../src/linux/cgroups/v1/cgroup.js';
import { V2Cgroup } from '../../../src/linux/cgroups/v2/cgroup.js';
import * as v2 from '../../../src/linux/cgroups/v2/freezer.js';
import { parseMountinfo } from '../../../src/linux/cgroups/detect.js';

/**
 * The freezer files of both drivers, against a temp dir standing in for /sys/fs/cgroup. A plain
 * file cannot go through FREEZING by itself, so the waits are driven by the test: the kernel's
 * answer arrives late (the freeze waits for it) or never (the freeze gives up and thaws again).
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-freezer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const read = (...p: string[]) => readFileSync(path.join(dir, ...p), 'utf8');

describe('v1 freezer', () => {
  const v1 = (controllers: string[]) => {
    const mounts = new Map<string, string>();
    for (const c of controllers) {
      mkdirSync(path.join(dir, c));
      mounts.set(c, path.join(dir, c));
    }
    return new V1Cgroup(mounts, 'c1');
  };

  it('is one of the hierarchies a container joins and sees, found in mountinfo', () => {
    const cg = v1(['memory', 'freezer']);
    expect(cg.joinPaths).toEqual([path.join(dir, 'memory', 'minibox', 'c1'), path.join(dir, 'freezer', 'minibox', 'c1')]);
    expect(cg.viewSpec).toBe('v1:memory freezer');
    const h = parseMountinfo('37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n');
    expect(h.v1Mounts.get('freezer')).toBe('/sys/fs/cgroup/freezer');
  });

  it('freeze writes FROZEN and returns once freezer.state reads it; thaw writes THAWED', async () => {
    const cg = v1(['freezer']);
    cg.create();
    writeFileSync(path.join(dir, 'freezer', 'minibox', 'c1', 'freezer.state'), 'THAWED\n');
    expect(cg.freezerState()).toBe('thawed');
    await cg.freeze();
    expect(read('freezer', 'minibox', 'c1', 'freezer.state')).toBe('FROZEN');
    expect(cg.freezerState()).toBe('frozen');
    await cg.thaw();
    expect(read('freezer', 'minibox', 'c1', 'freezer.state')).toBe('THAWED');
  });

  it('reads FREEZING as not yet frozen, and a missing cgroup as thawed (its container is gone)', async () => {
    const cg = v1(['freezer']);
    cg.create();
    writeFileSync(path.join(dir, 'freezer', 'minibox', 'c1', 'freezer.state'), 'FREEZING\n');
    expect(cg.freezerState()).toBe('freezing');
    rmSync(path.join(dir, 'freezer', 'minibox'), { recursive: true }); // the container and its cgroup are gone
    expect(cg.freezerState()).toBe('thawed');
    await expect(cg.thaw()).resolves.toBeUndefined();
  });

  it('without a mounted freezer: nothing is paused, and a freeze says why it cannot', async () => {
    const cg = v1(['memory']);
    expect(cg.freezerState()).toBe('thawed');
    await expect(cg.freeze()).rejects.toThrow('the freezer cgroup controller is not mounted on this host');
  });
});

describe('v2 freezer', () => {
  const cgDir = () => path.join(dir, 'minibox', 'c1');
  const setup = (frozen: 0 | 1) => {
    mkdirSync(cgDir(), { recursive: true });
    writeFileSync(path.join(cgDir(), 'cgroup.freeze'), '0\n');
    writeFileSync(path.join(cgDir(), 'cgroup.events'), `populated 1\nfrozen ${frozen}\n`);
    return new V2Cgroup(dir, 'c1');
  };

  it('freeze writes cgroup.freeze=1 and waits until cgroup.events says frozen 1', async () => {
    const cg = setup(0);
    // the "kernel" reports the freeze a little later; freeze must not return before it
    let reported = false;
    setTimeout(() => {
      writeFileSync(path.join(cgDir(), 'cgroup.events'), 'populated 1\nfrozen 1\n');
      reported = true;
    }, 30);
    await cg.freeze();
    expect(reported).toBe(true);
    expect(read('minibox', 'c1', 'cgroup.freeze')).toBe('1');
    expect(cg.freezerState()).toBe('frozen');
  });

  it('cgroup.freeze=1 without the report reads as freezing', () => {
    const cg = setup(0);
    writeFileSync(path.join(cgDir(), 'cgroup.freeze'), '1\n');
    expect(cg.freezerState()).toBe('freezing');
  });

  it('a freeze the kernel never reports is undone and named in the error', async () => {
    setup(0);
    await expect(v2.freeze(cgDir(), 60)).rejects.toThrow(`cgroup: freeze ${cgDir()}: cgroup.events still says frozen 0 after 60 ms; thawed again`);
    expect(read('minibox', 'c1', 'cgroup.freeze')).toBe('0');
  });

  it('thaw writes 0; a kernel without cgroup.freeze cannot freeze', async () => {
    const cg = setup(0);
    writeFileSync(path.join(cgDir(), 'cgroup.freeze'), '1\n');
    await cg.thaw();
    expect(read('minibox', 'c1', 'cgroup.freeze')).toBe('0');
    rmSync(path.join(cgDir(), 'cgroup.freeze'));
    await expect(cg.freeze()).rejects.toThrow('this kernel cannot freeze a cgroup');
  });
});
