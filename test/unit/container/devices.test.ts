import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEVICE_RULES,
  effectiveDeviceRules,
  parseDeviceFlag,
  planDevices,
  type DeviceLookup,
  type HostDevice,
} from '../../../src/container/security/devices.js';
import { parseDeviceRules, parseLinuxDevices } from '../../../src/container/security/device-spec.js';
import { deviceRuleLine } from '../../../src/linux/cgroups/index.js';
import { splitDev } from '../../../src/linux/devices.js';

const enoent = (p: string) => Object.assign(new Error(`ENOENT: no such file or directory, stat '${p}'`), { code: 'ENOENT' });
const nul: HostDevice = { type: 'c', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 };
const snd: HostDevice = { type: 'c', major: 116, minor: 2, mode: 0o660, uid: 0, gid: 29 };

/** A host with /dev/null, a directory /dev/snd of one node, a regular file and nothing else. */
const fake: DeviceLookup = {
  device(p) {
    if (p === '/dev/null') return nul;
    if (p === '/dev/snd' || p === '/etc/passwd') return undefined;
    throw enoent(p);
  },
  devicesUnder: (d) => (d === '/dev/snd' ? [{ path: '/dev/snd/timer', device: snd }] : []),
  hostDevices: () => [{ path: '/dev/null', device: nul }, { path: '/dev/snd/timer', device: snd }],
};

describe("Docker's default device rules", () => {
  it('leave exactly the devices.list a Docker container has (moby defaults + runc additions)', () => {
    const { defaultAllow, exceptions } = effectiveDeviceRules(DEFAULT_DEVICE_RULES);
    expect(defaultAllow).toBe(false);
    expect(exceptions.map(deviceRuleLine).sort()).toEqual(
      ['c 1:5 rwm', 'c 1:3 rwm', 'c 1:9 rwm', 'c 1:8 rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c *:* m', 'b *:* m', 'c 1:7 rwm', 'c 136:* rwm', 'c 5:2 rwm', 'c 10:200 rwm'].sort(),
    );
    expect(DEFAULT_DEVICE_RULES.map(deviceRuleLine)[0]).toBe('a'); // deny all comes first
  });

  it('computes the v1 kernel semantics: a resets, same-direction rules narrow an exception', () => {
    const e = effectiveDeviceRules([
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'r' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'w' }, // widened to rw
      { allow: true, type: 'b', major: 8, access: 'rwm' },
      { allow: false, type: 'b', major: 8, access: 'rw' }, // narrowed to m
      { allow: true, type: 'c', major: 4, minor: 1, access: 'r' },
      { allow: false, type: 'c', major: 4, minor: 1, access: 'r' }, // dropped
      { allow: false, type: 'c', major: 9, minor: 9, access: 'rwm' }, // no exception to narrow: nothing
    ]);
    expect(e).toEqual({ defaultAllow: false, exceptions: [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }, { allow: true, type: 'b', major: 8, access: 'm' }] });
    expect(effectiveDeviceRules([...DEFAULT_DEVICE_RULES, { allow: true, access: 'rwm' }])).toEqual({ defaultAllow: true, exceptions: [] });
  });
});

describe('--device', () => {
  it("parses Docker's HOST[:CTR][:rwm] forms", () => {
    expect(parseDeviceFlag('/dev/null')).toEqual({ host: '/dev/null', container: '/dev/null', access: 'rwm' });
    expect(parseDeviceFlag('/dev/null:/dev/mynull')).toEqual({ host: '/dev/null', container: '/dev/mynull', access: 'rwm' });
    expect(parseDeviceFlag('/dev/null:r')).toEqual({ host: '/dev/null', container: '/dev/null', access: 'r' });
    expect(parseDeviceFlag('/dev/null:/dev/x/../mynull:rw')).toEqual({ host: '/dev/null', container: '/dev/mynull', access: 'rw' });
  });

  it("refuses bad forms with Docker's messages", () => {
    expect(() => parseDeviceFlag('/a:/b:/c:/d')).toThrow('invalid argument "/a:/b:/c:/d" for "--device" flag: bad format for path: /a:/b:/c:/d');
    expect(() => parseDeviceFlag(':/b')).toThrow('bad format for path');
    expect(() => parseDeviceFlag('/dev/null:/dev/n:rwx')).toThrow('bad mode specified: rwx');
    expect(() => parseDeviceFlag('/dev/null:/dev/n:rr')).toThrow('bad mode specified: rr');
    expect(() => parseDeviceFlag('/dev/null:relative')).toThrow('relative is not an absolute path');
  });

  it('adds the node with the host numbers, mode and owner, and its rule between moby and runc rules', () => {
    const plan = planDevices({ devices: ['/dev/null:/dev/mynull:rw'], privileged: false }, fake);
    expect(plan.nodes).toEqual([{ path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }]);
    const lines = plan.rules.map(deviceRuleLine);
    expect(lines).toContain('c 1:3 rw');
    expect(lines.indexOf('c 1:3 rw')).toBeLessThan(lines.indexOf('c *:* m'));
    expect(plan.rules.filter((r) => !r.allow)).toHaveLength(2); // deny all, fuse
  });

  it('a directory brings every node under it', () => {
    const plan = planDevices({ devices: ['/dev/snd:/dev/sound'], privileged: false }, fake);
    expect(plan.nodes).toEqual([{ path: '/dev/sound/timer', type: 'c', major: 116, minor: 2, fileMode: 0o660, uid: 0, gid: 29 }]);
  });

  it("a missing device or a plain file: Docker's wording, exit 125", () => {
    expect(() => planDevices({ devices: ['/dev/nope'], privileged: false }, fake)).toThrow(
      'error gathering device information while adding custom device "/dev/nope": no such file or directory',
    );
    expect(() => planDevices({ devices: ['/etc/passwd'], privileged: false }, fake)).toThrow('"/etc/passwd": not a device node');
    try {
      planDevices({ devices: ['/dev/nope'], privileged: false }, fake);
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(125);
    }
  });

  it('--privileged: every host device, and the cgroup allows a *:* rwm', () => {
    const plan = planDevices({ devices: ['/dev/nope'], privileged: true }, fake); // --device is moot then, as in Docker
    expect(plan.rules).toEqual([{ allow: true, access: 'rwm' }]);
    expect(plan.rules.map(deviceRuleLine)).toEqual(['a']);
    expect(plan.nodes.map((n) => n.path)).toEqual(['/dev/null', '/dev/snd/timer']);
  });
});

describe('config.json device fields', () => {
  it('round-trip through the validating reader and refuse nonsense', () => {
    const rules = [...DEFAULT_DEVICE_RULES];
    expect(parseDeviceRules(JSON.parse(JSON.stringify(rules)), 'x')).toEqual(rules);
    expect(() => parseDeviceRules([{ allow: 'yes' }], 'x')).toThrow('"allow" must be a boolean');
    expect(() => parseDeviceRules([{ allow: true, type: 'z' }], 'x')).toThrow('type "z"');
    expect(() => parseDeviceRules([{ allow: true, type: 'c', major: -1 }], 'x')).toThrow('non-negative');
    const nodes = [{ path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }];
    expect(parseLinuxDevices(nodes, 'x')).toEqual(nodes);
    expect(() => parseLinuxDevices([{ path: 'rel', type: 'c', major: 1, minor: 3 }], 'x')).toThrow('path "rel"');
  });

  it('splits a dev_t like glibc', () => {
    expect(splitDev(0x0103)).toEqual({ major: 1, minor: 3 });
    expect(splitDev(0x8800)).toEqual({ major: 136, minor: 0 });
    expect(splitDev(0xfe00)).toEqual({ major: 254, minor: 0 });
    // major 0x1abc, minor 0x12345: the low 12/8 bits in place, the rest above bit 32 / bit 20
    expect(splitDev(Number((0x1000n << 32n) | (0xabcn << 8n) | 0x45n | (0x12300n << 12n)))).toEqual({ major: 0x1abc, minor: 0x12345 });
  });
});
