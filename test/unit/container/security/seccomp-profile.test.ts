import { describe, expect, it } from 'vitest';
import { evaluateProfile, kernelAtLeast, parseSeccompProfile } from '../../../../src/container/security/seccomp-profile.js';
import { DEFAULT_SECCOMP_PROFILE } from '../../../../src/container/security/default-seccomp.js';
import { DEFAULT_CAPABILITIES } from '../../../../src/container/security/capabilities.js';

const ctx = { arch: 'amd64', capabilities: [...DEFAULT_CAPABILITIES], kernel: '6.1.0-18-amd64' };
const allowed = (names: string[], s = evaluateProfile(DEFAULT_SECCOMP_PROFILE, ctx)) =>
  names.filter((n) => s.syscalls.some((r) => r.action === 'SCMP_ACT_ALLOW' && r.names.includes(n) && !r.args));

describe('seccomp profiles in Docker format', () => {
  it('parses a profile written for Docker: names/name, errnoRet, args, includes/excludes', () => {
    const p = parseSeccompProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, comment: 'ignored' },
          { name: 'personality', action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
          { names: ['reboot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_BOOT'] } },
          { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] }, excludes: {} },
        ],
      }),
    );
    const s = evaluateProfile(p, ctx);
    expect(s.architectures).toEqual(['SCMP_ARCH_X86_64']);
    expect(s.syscalls.map((r) => r.names)).toEqual([['mkdir', 'mkdirat'], ['personality'], ['arch_prctl']]);
    expect(s.syscalls[0]).toEqual({ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
    expect(s.syscalls[1]!.args).toEqual([{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }]);
  });

  it('refuses malformed profiles with Docker-style wording', () => {
    expect(() => parseSeccompProfile('{nope')).toThrow(/^Decoding seccomp profile failed: /);
    expect(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_BOGUS"}')).toThrow(/unrecognized defaultAction/);
    expect(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]}')).toThrow(/'name' and 'names'/);
    expect(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ALLOW","args":[{"index":9,"value":1,"op":"SCMP_CMP_EQ"}]}]}')).toThrow(/index/);
    expect(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}')).toThrow(/archMap/);
  });

  it('compares kernel versions as Docker does', () => {
    expect(kernelAtLeast('6.1.0-18-amd64', '4.8')).toBe(true);
    expect(kernelAtLeast('4.4.0', '4.8')).toBe(false);
    expect(kernelAtLeast('5.8.0', '5.8')).toBe(true);
    expect(kernelAtLeast('5.8', '5.8.1')).toBe(false);
  });

  it('the default profile: EPERM by default, ordinary syscalls allowed, dangerous ones not', () => {
    const s = evaluateProfile(DEFAULT_SECCOMP_PROFILE, ctx);
    expect(s.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.defaultErrnoRet).toBe(1);
    expect(s.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(allowed(['read', 'write', 'execve', 'openat', 'chroot', 'arch_prctl', 'ptrace'])).toHaveLength(7);
    expect(allowed(['mount', 'umount2', 'unshare', 'setns', 'reboot', 'init_module', 'keyctl', 'add_key', 'request_key', 'swapon', 'syslog', 'kexec_load', 'clone', 'clone3'])).toEqual([]);
    // clone only without namespace flags, clone3 says ENOSYS
    expect(s.syscalls.find((r) => r.names.includes('clone'))!.args).toEqual([{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
    expect(s.syscalls.find((r) => r.names.includes('clone3'))).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('capability groups follow the container set; arm lists arm names', () => {
    const admin = evaluateProfile(DEFAULT_SECCOMP_PROFILE, { ...ctx, capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT'] });
    expect(allowed(['mount', 'unshare', 'setns', 'clone', 'clone3', 'reboot'], admin)).toHaveLength(6);
    expect(admin.syscalls.some((r) => r.action === 'SCMP_ACT_ERRNO')).toBe(false);
    const noChroot = evaluateProfile(DEFAULT_SECCOMP_PROFILE, { ...ctx, capabilities: [] });
    expect(allowed(['chroot'], noChroot)).toEqual([]);
    const arm = evaluateProfile(DEFAULT_SECCOMP_PROFILE, { ...ctx, arch: 'arm64' });
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(allowed(['arch_prctl'], arm)).toEqual([]);
    expect(allowed(['set_tls'], arm)).toEqual(['set_tls']);
  });
});
