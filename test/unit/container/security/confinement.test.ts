import { describe, expect, it } from 'vitest';
import { containerSecurity, parseSecurityOpt, MASKED_PATHS, READONLY_PATHS } from '../../../../src/container/security/confinement.js';
import { shimSeccomp, shimSecurityOf } from '../../../../src/container/security/shim-security.js';
import { encodeSecurityRecords } from '../../../../src/linux/shim.js';

const kernel = { lastCap: 40, arch: 'amd64', release: '6.1.0' };
const flags = { capAdd: [], capDrop: [], privileged: false, securityOpt: [] };

describe('container confinement from flags', () => {
  it("a default container: Docker's caps, the default profile, masked and read-only paths", () => {
    const s = containerSecurity(flags, kernel);
    expect(s.capabilities.bounding).toHaveLength(14);
    expect(s.capabilities.ambient).toEqual([]);
    expect(s.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.noNewPrivileges).toBe(false);
    expect(s.maskedPaths).toEqual(MASKED_PATHS);
    expect(s.readonlyPaths).toEqual(READONLY_PATHS);
  });

  it('--privileged: all caps, no seccomp, nothing masked', () => {
    const s = containerSecurity({ ...flags, privileged: true }, kernel);
    expect(s.capabilities.effective).toHaveLength(41);
    expect(s.seccomp).toBeUndefined();
    expect(s.maskedPaths).toEqual([]);
    expect(s.readonlyPaths).toEqual([]);
  });

  it('--security-opt: seccomp=unconfined, a profile, no-new-privileges[=true|false]', () => {
    expect(containerSecurity({ ...flags, securityOpt: [{ kind: 'seccomp-unconfined' }] }, kernel).seccomp).toBeUndefined();
    const custom = containerSecurity({ ...flags, securityOpt: [{ kind: 'seccomp-profile', text: '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}' }] }, kernel);
    expect(custom.seccomp).toEqual({ defaultAction: 'SCMP_ACT_ALLOW', architectures: [], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
    expect(parseSecurityOpt('no-new-privileges')).toEqual({ kind: 'no-new-privileges', value: true });
    expect(parseSecurityOpt('no-new-privileges=false')).toEqual({ kind: 'no-new-privileges', value: false });
    expect(parseSecurityOpt('no-new-privileges:true')).toEqual({ kind: 'no-new-privileges', value: true });
    expect(parseSecurityOpt('seccomp=/x.json')).toEqual({ kind: 'seccomp-file', path: '/x.json' });
    expect(() => parseSecurityOpt('no-new-privileges=maybe')).toThrow('invalid --security-opt 2: "no-new-privileges=maybe"');
    expect(() => parseSecurityOpt('bogus=1')).toThrow('invalid --security-opt 1: "bogus=1"');
    expect(() => parseSecurityOpt('bogus')).toThrow('Invalid --security-opt: "bogus"');
    const nnp = containerSecurity({ ...flags, securityOpt: [parseSecurityOpt('no-new-privileges') as never] }, kernel);
    expect(nnp.noNewPrivileges).toBe(true);
  });

  it('a malformed profile is refused even with --privileged', () => {
    expect(() => containerSecurity({ ...flags, privileged: true, securityOpt: [{ kind: 'seccomp-profile', text: 'x' }] }, kernel)).toThrow(/Decoding seccomp profile failed/);
  });

  it("the shim's records: masks, paths and flat seccomp rules", () => {
    const s = containerSecurity(flags, kernel);
    const spec = { process: { capabilities: s.capabilities, noNewPrivileges: true }, linux: { maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'], seccomp: s.seccomp }, annotations: {} };
    const records = encodeSecurityRecords(shimSecurityOf(spec as never));
    expect(records).toContain('sec.effective=00000000a80425fb');
    expect(records).toContain('sec.ambient=0000000000000000');
    expect(records).toContain('sec.nnp=1');
    expect(records).toContain('sec.masked=/proc/kcore');
    expect(records).toContain('sec.readonly=/proc/sys');
    expect(records).toContain('sec.seccomp.default=errno:1');
    expect(records).toContain('sec.seccomp.arch=x86_64');
    expect(records).toContain('sec.seccomp.rule=allow clone 0:masked_eq:2114060288:0');
    expect(records).toContain('sec.seccomp.rule=errno:38 clone3');
    expect(records.some((r) => r.startsWith('sec.privileged'))).toBe(false);
    expect(records.some((r) => r.startsWith('sec.seccomp.cache='))).toBe(false);
    expect(shimSeccomp({ defaultAction: 'SCMP_ACT_KILL_PROCESS', architectures: [], syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO' }] }).rules[0]!.action).toBe('errno:1');
  });

  it('names the compiled-filter cache by a hash of exactly what the shim compiles', () => {
    const s = containerSecurity(flags, kernel);
    const spec = (seccomp: unknown) => ({ process: { capabilities: s.capabilities }, linux: { maskedPaths: [], readonlyPaths: [], seccomp }, annotations: {} }) as never;
    const cacheOf = (seccomp: unknown) => encodeSecurityRecords(shimSecurityOf(spec(seccomp), '/state/cache/seccomp')).find((r) => r.startsWith('sec.seccomp.cache='));
    const a = cacheOf(s.seccomp);
    expect(a).toMatch(/^sec\.seccomp\.cache=\/state\/cache\/seccomp\/[0-9a-f]{64}\.bpf$/);
    expect(cacheOf(s.seccomp)).toBe(a);
    expect(cacheOf({ ...s.seccomp, defaultAction: 'SCMP_ACT_KILL' })).not.toBe(a);
  });
});
