import { describe, expect, it } from 'vitest';
import { buildSpec, type OciMount, type OciSpec, type SpecInput } from '../../../src/container/spec.js';
import { containerSecurity } from '../../../src/container/security/confinement.js';
import { ociMountOf, parseMountFlag, parseTmpfsFlag, parseVolumeFlag, type MountRequest } from '../../../src/container/mounts.js';
import { withProcessOptions } from '../../../src/container/process-options.js';
import { DEFAULT_HOST_CONFIG, hostConfigOf, parseStorageFlags, saysMoreThanDefaults, storageFlagsOf, type HostConfig } from '../../../src/container/hostconfig.js';
import { configVolumes, mountPointsOf, storageHostConfig } from '../../../src/container/inspect-storage.js';
import { healthcheckOf, processConfigFields, runtimeHostConfig } from '../../../src/container/inspect-config.js';
import { inspectFieldsOf } from '../../../src/container/inspect-fields.js';
import { parseRequestedHealthcheck, requestedHealthcheck, type HealthFlags } from '../../../src/container/health.js';

/**
 * inspect's storage, health, stop, /dev/shm and sysctl fields: config.json as `run` writes it
 * (buildSpec over ociMountOf of the parsed flags, volumes already binds of their _data) and
 * the flags as recorded in hostconfig.json, mapped to Docker's shapes.
 */
const VOLUMES = '/var/lib/minibox/volumes';
const volumeNameOf = (s: string) => (s.startsWith(`${VOLUMES}/`) && s.endsWith('/_data') ? s.slice(VOLUMES.length + 1, -'/_data'.length) : undefined);
const ANON = 'a'.repeat(64);

const INPUT: SpecInput = {
  id: 'f'.repeat(64),
  process: { args: ['sh'], env: [], cwd: '/', user: '' },
  hostname: 'h',
  terminal: false,
  imageRef: 'docker.io/library/busybox:latest',
  imageId: `sha256:${'1'.repeat(64)}`,
  lowerDirs: ['/s/a'],
  limits: {},
  security: containerSecurity({ capAdd: [], capDrop: [], privileged: false, securityOpt: [] }, { lastCap: 40, arch: 'amd64', release: '6.1.0' }),
};

/** A volume request as engine/volumes.ts resolves it: the bind of its _data. */
const asVolumeBind = (m: MountRequest, name: string): MountRequest => ({ ...m, type: 'bind', source: `${VOLUMES}/${name}/_data`, createSource: false });

const storage = {
  volumes: ['/srv/web:/web:ro', 'named:/named', 'labelled:/labelled:ro,Z', '/anon'],
  mounts: ['type=bind,src=/srv/m,dst=/m,bind-propagation=rshared', 'type=volume,src=mvol,dst=/mvol', 'type=tmpfs,dst=/scratch,tmpfs-size=1m,tmpfs-mode=1770'],
  tmpfs: ['/run:size=64k', '/tmp'],
  volumesFrom: ['other:ro'],
};

function specOf(extra: OciMount[] = [], readonlyRootfs = false): OciSpec {
  const mounts: OciMount[] = [
    ociMountOf(parseVolumeFlag('/srv/web:/web:ro')),
    ociMountOf(asVolumeBind(parseVolumeFlag('named:/named'), 'named')),
    ociMountOf(asVolumeBind(parseVolumeFlag('labelled:/labelled:ro,Z'), 'labelled')),
    ociMountOf(asVolumeBind(parseVolumeFlag('/anon'), ANON)),
    ociMountOf(parseMountFlag('type=bind,src=/srv/m,dst=/m,bind-propagation=rshared')),
    ociMountOf(asVolumeBind(parseMountFlag('type=volume,src=mvol,dst=/mvol'), 'mvol')),
    ociMountOf(parseMountFlag('type=tmpfs,dst=/scratch,tmpfs-size=1m,tmpfs-mode=1770')),
    ociMountOf(parseTmpfsFlag('/run:size=64k')),
    ociMountOf(parseTmpfsFlag('/tmp')),
    ...extra,
  ];
  return buildSpec({ ...INPUT, mounts, readonlyRootfs });
}

describe('inspect Mounts', () => {
  it("lists binds, volumes and --mount tmpfs in Docker's MountPoint shape; --tmpfs ones are HostConfig.Tmpfs's", () => {
    expect(mountPointsOf(specOf(), storage, volumeNameOf)).toEqual([
      { Type: 'bind', Source: '/srv/web', Destination: '/web', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'volume', Name: 'named', Source: `${VOLUMES}/named/_data`, Destination: '/named', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      { Type: 'volume', Name: 'labelled', Source: `${VOLUMES}/labelled/_data`, Destination: '/labelled', Driver: 'local', Mode: 'ro,Z', RW: false, Propagation: '' },
      { Type: 'volume', Name: ANON, Source: `${VOLUMES}/${ANON}/_data`, Destination: '/anon', Driver: 'local', Mode: '', RW: true, Propagation: '' },
      { Type: 'bind', Source: '/srv/m', Destination: '/m', Mode: '', RW: true, Propagation: 'rshared' },
      { Type: 'volume', Name: 'mvol', Source: `${VOLUMES}/mvol/_data`, Destination: '/mvol', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      { Type: 'tmpfs', Source: '', Destination: '/scratch', Mode: '', RW: true, Propagation: '' },
    ]);
  });

  it('an image VOLUME and a --volumes-from copy have no mode; a typed bind of some _data stays a bind', () => {
    const fromOther: OciMount = { destination: '/shared', type: 'bind', source: '/srv/shared', options: ['rbind', 'rslave', 'ro'] };
    const dataBind: OciMount = ociMountOf(parseVolumeFlag(`${VOLUMES}/x/_data:/x`));
    const spec = specOf([fromOther, dataBind]);
    const got = mountPointsOf(spec, { ...storage, volumes: [...storage.volumes, `${VOLUMES}/x/_data:/x`] }, volumeNameOf);
    expect(got.find((m) => m.Destination === '/shared')).toEqual({ Type: 'bind', Source: '/srv/shared', Destination: '/shared', Mode: '', RW: false, Propagation: 'rslave' });
    expect(got.find((m) => m.Destination === '/x')).toMatchObject({ Type: 'bind', Mode: '' });
    expect(got.find((m) => m.Destination === '/x')).not.toHaveProperty('Name');
  });

  it('none of the standard mounts, also with --shm-size; a container without a record shows its mounts plainly', () => {
    const plain = withProcessOptions(buildSpec(INPUT), { groupAdd: [], rlimits: [], init: false, shmSize: 1 << 20, sysctls: {} });
    expect(mountPointsOf(plain, {}, volumeNameOf)).toEqual([]);
    const old = mountPointsOf(specOf(), {}, volumeNameOf);
    expect(old.map((m) => `${m.Type} ${m.Destination} ${m.Mode}`)).toEqual([
      'bind /web ', 'volume /named ', 'volume /labelled ', 'volume /anon ', 'bind /m ', 'volume /mvol ', 'tmpfs /scratch ', 'tmpfs /run ', 'tmpfs /tmp ',
    ]);
  });
});

describe('inspect HostConfig storage fields', () => {
  it('Binds as typed (with a source), --mount as mount.Mount, Tmpfs path → options, VolumesFrom, ReadonlyRootfs', () => {
    expect(storageHostConfig(specOf([], true), storage)).toEqual({
      Binds: ['/srv/web:/web:ro', 'named:/named', 'labelled:/labelled:ro,Z'],
      VolumesFrom: ['other:ro'],
      ReadonlyRootfs: true,
      Tmpfs: { '/run': 'size=64k', '/tmp': '' },
      Mounts: [
        { Type: 'bind', Source: '/srv/m', Target: '/m', BindOptions: { Propagation: 'rshared' } },
        { Type: 'volume', Source: 'mvol', Target: '/mvol' },
        { Type: 'tmpfs', Target: '/scratch', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 } },
      ],
    });
  });

  it("without flags: null lists, Tmpfs and Mounts omitted (Docker's omitempty)", () => {
    expect(storageHostConfig(buildSpec(INPUT), {})).toEqual({ Binds: null, VolumesFrom: null, ReadonlyRootfs: false });
  });

  it('Config.Volumes: the anonymous -v paths and the image VOLUMEs; null when none', () => {
    expect(configVolumes(storage, { '/var/lib/mysql': {} })).toEqual({ '/anon': {}, '/var/lib/mysql': {} });
    expect(configVolumes({}, undefined)).toBeNull();
  });
});

describe('inspect health, stop, shm and sysctl fields', () => {
  const health = { test: ['CMD-SHELL', 'true'], args: ['/bin/sh', '-c', 'true'], intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 };

  it("Config.Healthcheck: Test, and the times (ns) and retries that differ from the daemon's defaults", () => {
    expect(healthcheckOf(health)).toEqual({ Test: ['CMD-SHELL', 'true'] });
    expect(healthcheckOf({ ...health, intervalMs: 200, timeoutMs: 1500, startPeriodMs: 5000, retries: 2 })).toEqual({
      Test: ['CMD-SHELL', 'true'],
      Interval: 200_000_000,
      Timeout: 1_500_000_000,
      StartPeriod: 5_000_000_000,
      Retries: 2,
    });
    expect(healthcheckOf(undefined)).toBeUndefined();
  });

  it('Config.Healthcheck shows what the run asked for: --no-healthcheck is Test NONE, an explicit default shows', () => {
    const image = { Test: ['CMD', 'true'], Interval: 5_000_000_000, Retries: 4 };
    const shown = (img: typeof image | undefined, flags: HealthFlags) => {
      const healthcheck = requestedHealthcheck(img, flags);
      return processConfigFields({ ...DEFAULT_HOST_CONFIG, ...(healthcheck ? { healthcheck } : {}) }).Healthcheck;
    };
    expect(shown(image, { none: true })).toEqual({ Test: ['NONE'], Interval: 5_000_000_000, Retries: 4 }); // the daemon's merge fills the rest
    expect(shown(undefined, { none: true })).toEqual({ Test: ['NONE'] });
    expect(shown(undefined, { cmd: 'true', interval: '30s', timeout: '30s', retries: '3' })).toEqual({
      Test: ['CMD-SHELL', 'true'],
      Interval: 30_000_000_000,
      Timeout: 30_000_000_000,
      Retries: 3,
    });
    // a flag over the image's HEALTHCHECK, the rest from the image, as the daemon merges them
    expect(shown(image, { timeout: '2s' })).toEqual({ Test: ['CMD', 'true'], Interval: 5_000_000_000, Timeout: 2_000_000_000, Retries: 4 });
    expect(shown(image, {})).toEqual(image);
    expect(shown(undefined, {})).toBeUndefined();
    // a record written before hostconfig kept it: the resolved check
    expect(processConfigFields({ ...DEFAULT_HOST_CONFIG, health }).Healthcheck).toEqual({ Test: ['CMD-SHELL', 'true'] });
  });

  it("hostconfig.json's healthcheck is validated when read", () => {
    expect(parseRequestedHealthcheck({ Test: ['NONE'] })).toEqual({ Test: ['NONE'] });
    expect(() => parseRequestedHealthcheck({ Test: 'NONE' })).toThrow('invalid hostconfig healthcheck: "Test"');
    expect(() => parseRequestedHealthcheck({ Interval: -1 })).toThrow('invalid hostconfig healthcheck: "Interval"');
  });

  it('Config.StopSignal and StopTimeout only when set', () => {
    expect(processConfigFields(DEFAULT_HOST_CONFIG)).toEqual({});
    expect(processConfigFields({ ...DEFAULT_HOST_CONFIG, stopSignal: 'SIGUSR1', stopTimeout: 3, health })).toEqual({
      Healthcheck: { Test: ['CMD-SHELL', 'true'] },
      StopSignal: 'SIGUSR1',
      StopTimeout: 3,
    });
  });

  it('HostConfig.ShmSize (64 MiB by default) and Sysctls (omitted when none)', () => {
    expect(runtimeHostConfig(buildSpec(INPUT))).toEqual({ ShmSize: 67108864 });
    const spec = withProcessOptions(buildSpec(INPUT), { groupAdd: [], rlimits: [], init: false, shmSize: 128 << 20, sysctls: { 'net.ipv4.ip_forward': '1' } });
    expect(runtimeHostConfig(spec)).toEqual({ ShmSize: 134217728, Sysctls: { 'net.ipv4.ip_forward': '1' } });
  });

  it('inspectFieldsOf groups them as Docker does', () => {
    const hc: HostConfig = { ...DEFAULT_HOST_CONFIG, stopTimeout: 7, storage: { volumes: ['/srv/web:/web:ro'] } };
    const got = inspectFieldsOf(specOf(), hc, { '/data': {} }, volumeNameOf);
    expect(got.HostConfig).toMatchObject({ Binds: ['/srv/web:/web:ro'], ShmSize: 67108864, ReadonlyRootfs: false });
    expect(got.Config).toEqual({ StopTimeout: 7, Volumes: { '/data': {} } });
    expect(got.Mounts[0]).toEqual({ Type: 'bind', Source: '/srv/web', Destination: '/web', Mode: 'ro', RW: false, Propagation: 'rprivate' });
  });
});

describe('hostconfig.json storage record', () => {
  it('keeps only the lists given; validates what it reads back', () => {
    expect(storageFlagsOf({ volumes: ['/a:/b'], mounts: [], tmpfs: [] }, [])).toEqual({ storage: { volumes: ['/a:/b'] } });
    expect(storageFlagsOf(undefined, [])).toEqual({});
    expect(storageFlagsOf({ volumes: [], mounts: [], tmpfs: ['/t'] }, ['c'])).toEqual({ storage: { tmpfs: ['/t'], volumesFrom: ['c'] } });
    expect(() => parseStorageFlags({ volumes: [1] })).toThrow('"volumes" must be an array of strings');
    expect(() => parseStorageFlags([])).toThrow('expected a JSON object');
  });

  it('a --rm container gets a record only when it says more than the defaults', () => {
    expect(saysMoreThanDefaults(DEFAULT_HOST_CONFIG)).toBe(false);
    expect(saysMoreThanDefaults({ ...DEFAULT_HOST_CONFIG, storage: { volumes: ['/a:/b'] } })).toBe(true);
    expect(saysMoreThanDefaults({ ...DEFAULT_HOST_CONFIG, stopSignal: 'SIGINT' })).toBe(true);
    expect(saysMoreThanDefaults({ ...DEFAULT_HOST_CONFIG, stopTimeout: 1 })).toBe(true);
    // --rm --network none: inspect must not show the default bridge for it
    expect(saysMoreThanDefaults({ ...DEFAULT_HOST_CONFIG, network: { network: 'none' } })).toBe(true);
    expect(saysMoreThanDefaults({ ...DEFAULT_HOST_CONFIG, network: { publish: ['80'] } })).toBe(true);
    expect(saysMoreThanDefaults({ ...DEFAULT_HOST_CONFIG, network: { network: 'bridge', publish: [], links: [] } })).toBe(false);
    expect(saysMoreThanDefaults({ ...DEFAULT_HOST_CONFIG, network: { publishAll: false } })).toBe(false);
  });

  it('run and run -d record the same host config; a bad restart policy is refused', () => {
    const req = { interactive: false, tty: true, network: { network: 'none' }, stopTimeout: 3, mounts: { volumes: ['/a:/b'], mounts: [], tmpfs: [] } };
    expect(hostConfigOf(req, undefined)).toEqual({ restart: 'no', tty: true, interactive: false, stopSignal: 'SIGTERM', stopTimeout: 3, network: { network: 'none' }, storage: { volumes: ['/a:/b'] } });
    expect(hostConfigOf({ ...req, restart: 'on-failure:3' }, 'SIGINT').restart).toBe('on-failure:3');
    expect(() => hostConfigOf({ ...req, restart: 'sometimes' })).toThrow(/invalid restart policy: sometimes/);
  });
});
