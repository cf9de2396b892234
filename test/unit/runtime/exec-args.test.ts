import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/runtime/args.js';
import { execProcess, type ExecOptions } from '../../../src/runtime/exec.js';
import { limitsOfFlags, limitsOfResources, parseSize } from '../../../src/runtime/manage.js';

const base: ExecOptions = { root: '/r', id: 'c', args: [], detach: false, tty: false, env: [], additionalGids: [], caps: [], noNewPrivs: false, ignorePaused: false };

describe('minibox-runtime exec, ps, update: the command line', () => {
  it('exec: flags before the id, the command after it taken as it is (its flags too)', () => {
    const p = parseArgs(['exec', '-d', '--pid-file', '/p', '--console-socket=/s', '-t', 'c1', 'sh', '-c', 'ls -l', '--tty']);
    expect(p.flags).toEqual({ detach: true, 'pid-file': '/p', 'console-socket': '/s', tty: true });
    expect(p.operands).toEqual(['c1', 'sh', '-c', 'ls -l', '--tty']);
    expect(parseArgs(['exec', '--process', '/proc.json', 'c1']).flags).toEqual({ process: '/proc.json' });
  });

  it('exec: --env and --cap repeat, short or long', () => {
    const p = parseArgs(['exec', '-e', 'A=1', '--env', 'B=2', '--env=C=3', '-c', 'CAP_NET_ADMIN', 'c1', 'true']);
    expect(p.flags).toEqual({ env: ['A=1', 'B=2', 'C=3'], cap: ['CAP_NET_ADMIN'] });
  });

  it('ps -f json ID, update --resources F ID and the runc limit flags, pause/resume ID', () => {
    expect(parseArgs(['ps', '-f', 'json', 'c1'])).toMatchObject({ flags: { format: 'json' }, operands: ['c1'] });
    expect(parseArgs(['ps', 'c1', '-ef'])).toMatchObject({ operands: ['c1', '-ef'] });
    expect(parseArgs(['update', '-r', '/res.json', '--memory', '64m', '--pids-limit=10', 'c1'])).toMatchObject({ flags: { resources: '/res.json', memory: '64m', 'pids-limit': '10' }, operands: ['c1'] });
    expect(parseArgs(['pause', 'c1']).operands).toEqual(['c1']);
    expect(() => parseArgs(['resume'])).toThrow(/container id cannot be empty/);
  });

  it('exec without --process: the container process with the args and overrides', () => {
    const container = { process: { args: ['sleep', '9'], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 }, capabilities: { bounding: ['CAP_CHOWN'] } } };
    const p = execProcess(container, { ...base, args: ['id'], env: ['X=1'], user: '1000:100', cwd: '/tmp', caps: ['CAP_NET_RAW'], noNewPrivs: true, tty: true });
    expect(p).toMatchObject({ args: ['id'], env: ['PATH=/bin', 'X=1'], cwd: '/tmp', terminal: true, user: { uid: 1000, gid: 100 }, noNewPrivileges: true });
    expect((p.capabilities as { bounding: string[] }).bounding).toEqual(['CAP_CHOWN', 'CAP_NET_RAW']);
    expect(() => execProcess(container, base)).toThrow(/no command given/);
    expect(() => execProcess(container, { ...base, args: ['id'], user: 'bob' })).toThrow(/invalid --user uid "bob"/);
  });

  it('update: sizes with runc units; the resources document and the flags as cgroup limits (flags win)', () => {
    expect(parseSize('64m', '--memory')).toBe(64 * 1024 * 1024);
    expect(parseSize('1g', '--memory')).toBe(1024 ** 3);
    expect(parseSize('4096', '--memory')).toBe(4096);
    expect(parseSize('-1', '--memory-swap')).toBe(-1);
    expect(() => parseSize('lots', '--memory')).toThrow(/invalid value for --memory: lots/);
    expect(limitsOfResources({ memory: { limit: 1048576, swap: -1 }, cpu: { quota: 50000, period: 100000, cpus: '0' }, pids: { limit: 20 } })).toEqual({ memory: 1048576, memorySwap: -1, cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0', pids: 20 });
    expect(() => limitsOfResources({ memory: { limit: '1m' } })).toThrow(/resources memory.limit: expected a number/);
    expect(limitsOfFlags({ memory: '32m', 'cpu-quota': '20000', 'pids-limit': '5' })).toEqual({ memory: 32 * 1024 * 1024, cpuQuota: 20000, pids: 5 });
    expect(() => limitsOfFlags({ 'kernel-memory': '1m' })).toThrow(/--kernel-memory is not supported/);
  });
});
