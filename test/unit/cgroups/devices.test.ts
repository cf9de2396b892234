import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { V1Cgroup } from '../../../src/linux/cgroups/v1/cgroup.js';
import { deviceRuleLine } from '../../../src/linux/cgroups/v1/devices.js';
import { parseMountinfo } from '../../../src/linux/cgroups/detect.js';
import { DEFAULT_DEVICE_RULES } from '../../../src/container/security/devices.js';

/** The v1 devices controller driver against a temp dir standing in for /sys/fs/cgroup. */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-test-cgdev-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('v1 devices controller', () => {
  it('is detected, joined, shown in the container view and written rule by rule', () => {
    const h = parseMountinfo('40 30 0:36 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n41 30 0:37 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n');
    expect(h.v1Mounts.get('devices')).toBe('/sys/fs/cgroup/devices');
    const mounts = new Map([['devices', path.join(dir, 'devices')], ['memory', path.join(dir, 'memory')]]);
    const cg = new V1Cgroup(mounts, 'c1');
    cg.create();
    expect(cg.deviceControl).toBe('v1');
    expect(cg.joinPaths).toContain(path.join(dir, 'devices', 'minibox', 'c1'));
    expect(cg.viewSpec.split(/[: ]/)).toContain('devices');
    cg.applyDevices(DEFAULT_DEVICE_RULES);
    const d = path.join(dir, 'devices', 'minibox', 'c1');
    // plain files keep the last write of each: the deny-all went to devices.deny, /dev/net/tun last to allow
    expect(readFileSync(path.join(d, 'devices.allow'), 'utf8')).toBe('c 10:200 rwm');
    expect(readFileSync(path.join(d, 'devices.deny'), 'utf8')).toBe('c 10:229 rwm');
  });

  it('without the controller: nothing to write, and the caller is told (deviceControl none)', () => {
    const cg = new V1Cgroup(new Map([['memory', path.join(dir, 'memory')]]), 'c2');
    cg.create();
    expect(cg.deviceControl).toBe('none');
    expect(() => cg.applyDevices(DEFAULT_DEVICE_RULES)).not.toThrow();
  });

  it("speaks the kernel's rule syntax", () => {
    expect(deviceRuleLine({ allow: false, access: 'rwm' })).toBe('a');
    expect(deviceRuleLine({ allow: true, type: 'c', major: 136, access: 'rwm' })).toBe('c 136:* rwm');
    expect(deviceRuleLine({ allow: true, type: 'b' })).toBe('b *:* rwm');
  });
});
