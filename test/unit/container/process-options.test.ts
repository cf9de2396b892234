import { describe, expect, it } from 'vitest';
import { parseUlimit, planRlimits } from '../../../src/container/ulimits.js';
import { parseKeyValueFile, readEnvFiles } from '../../../src/container/env-file.js';
import { labelsOf, matchesLabelFilter, mergeImageLabels, parseLabels, withLabels } from '../../../src/container/labels.js';
import { checkGroupAdd, shimProcessOf, withProcessOptions } from '../../../src/container/process-options.js';
import { parseOciRlimits } from '../../../src/container/rlimits-spec.js';
import { parseShmSize, parseSysctls, shmSizeOf, withShmSize } from '../../../src/container/sysctls.js';
import type { OciSpec } from '../../../src/container/spec.js';

const spec = (): OciSpec => ({
  ociVersion: '1.0.2',
  process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh'], env: [], cwd: '/' },
  root: { path: 'rootfs', readonly: false },
  hostname: 'h',
  mounts: [{ destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'size=65536k'] }],
  linux: { namespaces: [], cgroupsPath: '', resources: {}, maskedPaths: [], readonlyPaths: [] },
  annotations: {},
});

describe('--ulimit', () => {
  it('parses soft:hard, a single value for both, and -1 as unlimited', () => {
    expect(parseUlimit('nofile=1024:2048')).toEqual({ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 });
    expect(parseUlimit('core=0')).toEqual({ type: 'RLIMIT_CORE', soft: 0, hard: 0 });
    expect(parseUlimit('memlock=-1:-1')).toEqual({ type: 'RLIMIT_MEMLOCK', soft: -1, hard: -1 });
    expect(parseUlimit('stack=8192:-1')).toEqual({ type: 'RLIMIT_STACK', soft: 8192, hard: -1 });
  });

  it.each([
    ['nofile', 'invalid ulimit argument: nofile'],
    ['as=1', 'invalid ulimit type: as'],
    ['nofile=1:2:3', 'too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`'],
    ['nofile=x', 'strconv.ParseInt: parsing "x": invalid syntax'],
    ['nofile=', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['nofile=5:4', 'ulimit soft limit must be less than or equal to hard limit: 5 > 4'],
    ['nofile=-1:4', 'ulimit soft limit must be less than or equal to hard limit: -1 > 4'],
  ])('refuses %s with Docker\'s wording', (value, why) => {
    expect(() => parseUlimit(value)).toThrow(`invalid argument "${value}" for "--ulimit" flag: ${why}`);
  });

  it('adds Docker\'s default nofile, clamped to the host hard limit, unless given', () => {
    expect(planRlimits([], 20000)).toEqual([{ type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 }]);
    expect(planRlimits([], -1)).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }]);
    expect(planRlimits([], 4194304)).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }]);
    expect(planRlimits(['nofile=10', 'nproc=5', 'nofile=20:30'], 20000)).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 20, hard: 30 },
      { type: 'RLIMIT_NPROC', soft: 5, hard: 5 },
    ]);
  });

  it('config.json rlimits are validated when read', () => {
    expect(parseOciRlimits([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }], 'x')).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }]);
    expect(() => parseOciRlimits([{ type: 'nofile', soft: 1, hard: 2 }], 'x')).toThrow(/invalid x/);
    expect(() => parseOciRlimits([{ type: 'RLIMIT_NOFILE', soft: '1', hard: 2 }], 'x')).toThrow(/invalid x/);
    expect(() => parseOciRlimits({}, 'x')).toThrow(/expected an array/);
  });
});

describe('--group-add and the shim keys', () => {
  it('accepts names and gids, refuses separators', () => {
    expect(checkGroupAdd(['audio', '4242'])).toEqual(['audio', '4242']);
    expect(() => checkGroupAdd(['a,b'])).toThrow(/--group-add/);
    expect(() => checkGroupAdd([''])).toThrow(/--group-add/);
  });

  it('round-trips through config.json to what the shim is told', () => {
    const s = withProcessOptions(spec(), { groupAdd: ['audio', '5'], rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }], init: true, shmSize: 1048576, sysctls: { 'kernel.shmmax': '1' } });
    expect(shimProcessOf(s)).toEqual({ groupAdd: ['audio', '5'], rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }], init: true, shmSize: 1048576, sysctls: { 'kernel.shmmax': '1' } });
    expect(shimProcessOf(spec())).toEqual({});
  });
});

describe('--env-file format', () => {
  const env = { HOSTVAR: 'from host' } as Record<string, string>;
  it('takes KEY=VAL as is, skips comments and blank lines, bare KEY from the caller', () => {
    const text = '\uFEFF# comment\n\n  A=1\nB="quoted"  \nC=\nHOSTVAR\nUNSET\r\nD=x=y\n';
    expect(parseKeyValueFile(text, (k) => env[k])).toEqual(['A=1', 'B="quoted"  ', 'C=', 'HOSTVAR=from host', 'D=x=y']);
  });

  it('a missing file is Docker\'s "open FILE: no such file or directory"', async () => {
    await expect(readEnvFiles(['/nonexistent/app.env'], {})).rejects.toThrow('open /nonexistent/app.env: no such file or directory');
  });

  it('refuses a key with whitespace or an empty key, with Docker\'s wording', () => {
    expect(() => parseKeyValueFile('MY VAR=1\n', () => undefined)).toThrow("poorly formatted environment: variable 'MY VAR' contains whitespaces");
    expect(() => parseKeyValueFile('=1\n', () => undefined)).toThrow("no variable name on line '=1'");
  });
});

describe('labels', () => {
  it('files first, then flags; a bare flag key is an empty value', () => {
    expect(parseLabels(['a=file', 'b=file'], ['a=flag', 'c'])).toEqual({ a: 'flag', b: 'file', c: '' });
    expect(() => parseLabels([], ['=v'])).toThrow(/invalid label format/);
  });

  it('keeps the image labels under the container\'s, recorded in config.json', () => {
    const labels = mergeImageLabels({ maintainer: 'img', a: 'img' }, { a: 'own' });
    expect(labels).toEqual({ maintainer: 'img', a: 'own' });
    expect(labelsOf(withLabels(spec(), labels))).toEqual(labels);
    expect(labelsOf(spec())).toEqual({});
    expect(labelsOf({ ...spec(), annotations: { 'io.minibox.labels': '[1]' } })).toEqual({});
  });

  it('ps filters: label=K has the key, label=K=V that value', () => {
    const l = { tier: 'web', empty: '' };
    expect(matchesLabelFilter(l, 'tier')).toBe(true);
    expect(matchesLabelFilter(l, 'empty')).toBe(true);
    expect(matchesLabelFilter(l, 'tier=web')).toBe(true);
    expect(matchesLabelFilter(l, 'tier=db')).toBe(false);
    expect(matchesLabelFilter(l, 'other')).toBe(false);
    expect(matchesLabelFilter(l, 'toString')).toBe(false);
  });
});

describe('--sysctl and --shm-size', () => {
  it('allows the namespaced sysctls Docker allows', () => {
    expect(parseSysctls(['kernel.shmmax=1024', 'net.ipv4.ip_forward=1', 'fs.mqueue.msg_max=20', 'kernel.sem=1 2 3 4'], 'bridge')).toEqual({
      'kernel.shmmax': '1024',
      'net.ipv4.ip_forward': '1',
      'fs.mqueue.msg_max': '20',
      'kernel.sem': '1 2 3 4',
    });
  });

  it.each([
    ['kernel.hostname=x', "sysctl 'kernel.hostname=x' is not whitelisted"],
    ['vm.swappiness=1', "sysctl 'vm.swappiness=1' is not whitelisted"],
    ['net.ipv4.ip_forward', "sysctl 'net.ipv4.ip_forward' is not whitelisted"],
    ['net.ipv4..x=1', 'invalid sysctl name'],
    ['net.a/../../x=1', 'invalid sysctl name'],
  ])('refuses %s', (f, why) => {
    expect(() => parseSysctls([f], 'bridge')).toThrow(`invalid argument "${f}" for "--sysctl" flag: ${why}`);
  });

  it('refuses net.* in the host network namespace', () => {
    expect(() => parseSysctls(['net.ipv4.ip_forward=1'], 'host')).toThrow('sysctl "net.ipv4.ip_forward" not allowed in host network namespace');
    expect(parseSysctls(['kernel.shmmni=100'], 'host')).toEqual({ 'kernel.shmmni': '100' });
  });

  it('--shm-size in Docker\'s units, > 0', () => {
    expect(parseShmSize('128m')).toBe(128 * 1024 * 1024);
    expect(parseShmSize('1g')).toBe(1024 ** 3);
    expect(() => parseShmSize('lots')).toThrow(`invalid argument "lots" for "--shm-size" flag: invalid size: 'lots'`);
    expect(() => parseShmSize('0')).toThrow(/SHM size can not be less than or equal to 0/);
    expect(shmSizeOf(withShmSize(spec(), 4096))).toBe(4096);
    expect(shmSizeOf(spec())).toBeUndefined();
  });
});
