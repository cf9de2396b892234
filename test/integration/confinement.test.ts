import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { loadProbeImage, parseProbeLines, PROBE_IMAGE } from '../helpers/probe/index.js';

/**
 * Docker's default confinement, proven from inside a container with the escape probes
 * (test/helpers/probe): every probe a default container must not pass is denied, the
 * capability and seccomp state reads as Docker's, --cap-add/--cap-drop/--privileged and
 * --security-opt change exactly what Docker's do, and bad input leaves nothing behind.
 */
let root: string;
let cleanup: () => void;
let tmp: string;

const run = (args: string[], cmd: string[]) => minibox(['run', '--rm', '--network', 'none', ...args, PROBE_IMAGE, ...cmd], { root });
const probes = async (args: string[], list: string[][]): Promise<Record<string, string>> => {
  const r = await run(args, ['probe', ...list.flatMap((p, i) => (i ? [',', ...p] : p))]);
  expect(r.stderr).toBe('');
  return parseProbeLines(r.stdout);
};
const status = async (args: string[]): Promise<Record<string, string>> => {
  const r = await run(args, ['grep', '-E', '^(Cap|Seccomp|NoNewPrivs)', '/proc/self/status']);
  expect(r.code).toBe(0);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(/:\s+/) as [string, string]));
};

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  tmp = mkdtempSync(path.join(os.tmpdir(), 'confinement-'));
  await loadProbeImage(root);
}, 120_000);

afterAll(() => {
  cleanup();
  rmSync(tmp, { recursive: true, force: true });
  expect(leakcheck()).toEqual([]);
});

describe('a default container', () => {
  it("has Docker's capabilities and seccomp, no ambient set, no-new-privs off", async () => {
    const s = await status([]);
    expect(s.CapEff).toBe('00000000a80425fb');
    expect(s.CapPrm).toBe('00000000a80425fb');
    expect(s.CapBnd).toBe('00000000a80425fb');
    expect(s.CapAmb).toBe('0000000000000000');
    expect(s.Seccomp).toBe('2');
    expect(s.NoNewPrivs).toBe('0');
  });

  it('denies every escape probe', async () => {
    const v = await probes([], [
      ['mount', '/mnt'],
      ['umount', '/proc'],
      ['swapon', '/dev/null'],
      ['reboot'],
      ['init_module'],
      ['write', '/proc/sys/kernel/core_pattern', '|/bin/true'],
      ['read', '/proc/kcore'],
      ['keyctl'],
      ['add_key'],
      ['unshare-user'],
      ['unshare-mount'],
      ['clone-ns'],
      ['syslog'],
      ['sethostname', 'evil'],
    ]);
    for (const p of ['mount', 'umount', 'swapon', 'reboot', 'init_module', 'keyctl', 'add_key', 'unshare-user', 'unshare-mount', 'clone-ns', 'syslog', 'sethostname']) {
      expect(v[p], p).toBe('DENIED EPERM');
    }
    expect(v.write).toMatch(/^DENIED (EROFS|EACCES|EPERM)$/);
    expect(v.read).toMatch(/^(DENIED \w+|ALLOWED)$/); // /proc/kcore is /dev/null now: read gives 0 bytes (next test)
  });

  it('masks /proc/kcore, /proc/keys and /proc/timer_list; /proc/sys and sysrq-trigger are read-only', async () => {
    // what this kernel lacks (kcore, timer_list, sysrq-trigger, acpi) is "absent": nothing to hide
    const script = [
      'for f in /proc/kcore /proc/keys /proc/timer_list; do if [ -e $f ]; then wc -c < $f; else echo absent; fi; done',
      'if [ -d /proc/acpi ]; then ls /proc/acpi | wc -l; else echo absent; fi',
      'if [ -e /proc/sysrq-trigger ]; then echo x > /proc/sysrq-trigger 2>/dev/null || echo refused; else echo absent; fi',
      'echo 1 > /proc/sys/kernel/hostname 2>/dev/null || echo refused',
      'grep -c " /proc/sys " /proc/self/mounts',
    ].join('; ');
    const lines = (await run([], ['sh', '-c', script])).stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    for (const l of lines.slice(0, 4)) expect(l).toMatch(/^(0|absent)$/);
    expect(lines[4]).toMatch(/^(refused|absent)$/);
    expect(lines.slice(5)).toEqual(['refused', '1']);
    expect(lines[1]).toBe('0'); // /proc/keys exists on every kernel with keys: it reads empty
  });

  it('cannot write /sys/fs/cgroup nor read the kernel log with dmesg', async () => {
    const v = await probes([], [['write', '/sys/fs/cgroup/cgroup.procs', '1'], ['mkdir', '/sys/fs/cgroup/evil']]);
    expect(v.write).toMatch(/^DENIED (EROFS|EACCES|EPERM|ENOENT)$/);
    expect(v.mkdir).toMatch(/^DENIED (EROFS|EACCES|EPERM)$/);
    const d = await run([], ['dmesg']);
    expect(d.code).not.toBe(0);
    expect(d.stdout).toBe('');
  });

  it('cannot see, let alone trace, a process outside', async () => {
    const v = await probes([], [['ptrace', String(process.pid)], ['kill', String(process.pid), '0']]);
    expect(v.ptrace).toBe('DENIED ESRCH');
    expect(v.kill).toBe('DENIED ESRCH');
  });

  it('clone3 says ENOSYS (libc falls back to clone), plain clone and fork still work', async () => {
    const r = await run([], ['sh', '-c', 'probe clone3; echo forked-$(echo ok)']);
    expect(r.stdout).toBe('DENIED ENOSYS\nforked-ok\n');
  });
});

describe('the compiled-filter cache', () => {
  it("is root's alone, and a damaged entry is compiled again, not loaded", async () => {
    const dir = path.join(root, 'cache', 'seccomp');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir).filter((f) => f.endsWith('.bpf'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) truncateSync(path.join(dir, f), 5); // not a whole number of instructions
    const s = await status([]);
    expect(s.Seccomp).toBe('2');
    expect((await run([], ['probe', 'keyctl'])).stdout).toBe('DENIED EPERM\n');
    expect(readdirSync(dir).some((f) => statSync(path.join(dir, f)).size % 8 === 0 && statSync(path.join(dir, f)).size > 8)).toBe(true);
  });
});

describe('exec', () => {
  it('an exec-ed process is confined as the container is (caps, seccomp, no-new-privs)', async () => {
    const name = 'conf-exec';
    const d = await minibox(['run', '-d', '--name', name, '--network', 'none', '--cap-drop', 'NET_RAW', '--security-opt', 'no-new-privileges', PROBE_IMAGE, 'sleep', '60'], { root });
    expect(d.code).toBe(0);
    try {
      const s = await minibox(['exec', name, 'grep', '-E', '^(CapEff|Seccomp|NoNewPrivs):', '/proc/self/status'], { root });
      expect(s.stdout.replace(/\s+/g, ' ').trim()).toBe('CapEff: 00000000a80405fb NoNewPrivs: 1 Seccomp: 2');
      const v = await minibox(['exec', name, 'probe', 'mount', '/mnt', ',', 'raw-socket', ',', 'keyctl'], { root });
      expect(parseProbeLines(v.stdout)).toEqual({ mount: 'DENIED EPERM', 'raw-socket': 'DENIED EPERM', keyctl: 'DENIED EPERM' });
    } finally {
      await minibox(['rm', '-f', name], { root });
    }
  });
});

describe('--cap-add / --cap-drop', () => {
  it('raw sockets: allowed by default, denied after --cap-drop NET_RAW', async () => {
    expect((await run([], ['probe', 'raw-socket'])).stdout).toBe('ALLOWED\n');
    expect((await run(['--cap-drop', 'net_raw'], ['probe', 'raw-socket'])).stdout).toBe('DENIED EPERM\n');
  });

  it('--cap-drop ALL: no capabilities at all, sethostname and chroot denied', async () => {
    const s = await status(['--cap-drop', 'ALL']);
    expect(s.CapEff).toBe('0000000000000000');
    expect(s.CapBnd).toBe('0000000000000000');
    const v = await probes(['--cap-drop', 'ALL'], [['sethostname', 'x'], ['chroot', '/'], ['raw-socket']]);
    expect(v).toEqual({ sethostname: 'DENIED EPERM', chroot: 'DENIED EPERM', 'raw-socket': 'DENIED EPERM' });
  });

  it('--cap-drop ALL --cap-add CHOWN leaves exactly CHOWN; --cap-add SYS_ADMIN opens its seccomp group', async () => {
    expect((await status(['--cap-drop', 'ALL', '--cap-add', 'cap_chown'])).CapEff).toBe('0000000000000001');
    const v = await probes(['--cap-add', 'SYS_ADMIN'], [['mount', '/mnt'], ['sethostname', 'inside']]);
    expect(v).toEqual({ mount: 'ALLOWED', sethostname: 'ALLOWED' });
  });
});

describe('--privileged', () => {
  it('every capability, no seccomp, /sys and /proc/sys writable (namespaced keys only)', async () => {
    const s = await status(['--privileged']);
    expect(s.Seccomp).toBe('0');
    expect(BigInt(`0x${s.CapEff}`)).toBe(BigInt(`0x${s.CapBnd}`));
    expect(BigInt(`0x${s.CapEff}`) & 0x200000n).toBe(0x200000n); // CAP_SYS_ADMIN
    const v = await probes(['--privileged'], [['mount', '/mnt'], ['write', '/proc/sys/kernel/hostname', 'privileged-box'], ['unshare-mount'], ['keyctl']]);
    expect(v).toEqual({ mount: 'ALLOWED', write: 'ALLOWED', 'unshare-mount': 'ALLOWED', keyctl: 'ALLOWED' });
    const r = await run(['--privileged'], ['sh', '-c', 'grep " /sys " /proc/self/mounts']);
    expect(r.stdout).toMatch(/ rw,/);
  });
});

describe('--security-opt', () => {
  it('a Docker-format profile from a file: mkdir denied with EPERM, the rest allowed', async () => {
    const profile = path.join(tmp, 'no-mkdir.json');
    writeFileSync(
      profile,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, comment: 'no directories' }],
      }),
    );
    const v = await probes(['--security-opt', `seccomp=${profile}`], [['mkdir', '/tmp/d'], ['keyctl']]);
    expect(v).toEqual({ mkdir: 'DENIED EPERM', keyctl: 'ALLOWED' });
  });

  it('seccomp=unconfined: Seccomp 0; no-new-privileges: NoNewPrivs 1', async () => {
    expect((await status(['--security-opt', 'seccomp=unconfined'])).Seccomp).toBe('0');
    const s = await status(['--security-opt', 'no-new-privileges']);
    expect(s.NoNewPrivs).toBe('1');
    expect(s.Seccomp).toBe('2');
    expect((await status(['--security-opt', 'no-new-privileges=false'])).NoNewPrivs).toBe('0');
  });

  it('inspect shows what applies', async () => {
    const name = 'conf-inspect';
    const c = await minibox(['run', '--name', name, '--network', 'none', '--cap-drop', 'NET_RAW', '--security-opt', 'no-new-privileges', PROBE_IMAGE, 'true'], { root });
    try {
      expect(c.code).toBe(0);
      const i = await minibox(['inspect', name], { root });
      expect(i.code).toBe(0);
      const [view] = JSON.parse(i.stdout) as Array<{ Id: string; HostConfig: Record<string, unknown> }>;
      expect(view!.HostConfig).toMatchObject({ CapAdd: null, CapDrop: ['NET_RAW'], Privileged: false, SecurityOpt: ['no-new-privileges'] });
      expect(view!.HostConfig.MaskedPaths).toContain('/proc/kcore');
      expect(view!.HostConfig.ReadonlyPaths).toContain('/proc/sys');
      // config.json, what an OCI tool reads: the full sets and the evaluated profile
      const spec = JSON.parse(readFileSync(path.join(root, 'containers', view!.Id, 'config.json'), 'utf8'));
      expect(spec.process.noNewPrivileges).toBe(true);
      expect(spec.process.capabilities.bounding).not.toContain('CAP_NET_RAW');
      expect(spec.process.capabilities.ambient).toEqual([]);
      expect(spec.linux.seccomp.defaultAction).toBe('SCMP_ACT_ERRNO');
      expect(spec.linux.maskedPaths).toContain('/proc/keys');
    } finally {
      await minibox(['rm', '-f', name], { root });
    }
  });
});

describe('bad input: exit 125, one line, nothing left behind', () => {
  const refused = async (args: string[], message: RegExp) => {
    const r = await run(args, ['true']);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    const ps = await minibox(['ps', '-aq'], { root });
    expect(ps.stdout).toBe('');
  };

  it('an unknown capability', async () => {
    await refused(['--cap-add', 'FOO'], /invalid CapAdd: unknown capability: "CAP_FOO"/);
    await refused(['--cap-drop', 'bar'], /invalid CapDrop: unknown capability: "CAP_BAR"/);
  });

  it('a missing, unreadable or malformed seccomp profile', async () => {
    await refused(['--security-opt', `seccomp=${tmp}/missing.json`], /opening seccomp profile \(.*missing\.json\) failed: open .*: no such file or directory/);
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, '{"defaultAction": ');
    await refused(['--security-opt', `seccomp=${bad}`], /Decoding seccomp profile failed/);
    const wrong = path.join(tmp, 'wrong.json');
    writeFileSync(wrong, '{"defaultAction": "SCMP_ACT_MAYBE"}');
    await refused(['--security-opt', `seccomp=${wrong}`], /Decoding seccomp profile failed: unrecognized defaultAction/);
    await refused(['--security-opt', 'no-new-privileges=maybe'], /invalid --security-opt 2/);
    // root reads any file: a directory stands in for "unreadable"
    await refused(['--security-opt', `seccomp=${tmp}`], /opening seccomp profile .* is a directory/);
  });
});
