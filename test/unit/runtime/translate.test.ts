import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/runtime/default-spec.js';
import { translateBundle, type CgroupFacts } from '../../../src/runtime/translate.js';
import { encodeRuntimeConfig } from '../../../src/runtime/launch.js';

const cgroup: CgroupFacts = { joinPaths: ['/sys/fs/cgroup/minibox/oci-c1'], viewSpec: 'v2', deviceControl: 'bpf' };

/** The default spec, edited as a test bundle would be. */
function spec(edit: (s: any) => void = () => undefined): unknown {
  const s = structuredClone(defaultSpec(false)) as any;
  s.process.terminal = false;
  edit(s);
  return s;
}

const tr = (raw: unknown, apparmorEnabled = false) => translateBundle({ id: 'c1', bundle: '/bundles/b', raw, cgroup, apparmorEnabled });

describe('config.json → shim config', () => {
  it('translates runc\'s default spec: rootfs under the bundle, the process, caps, rlimits, masks', () => {
    const t = tr(spec());
    expect(t.rootfs).toBe('/bundles/b/rootfs');
    expect(t.shim).toMatchObject({
      id: 'c1',
      rootfs: '/bundles/b/rootfs',
      hostname: 'minibox',
      cwd: '/',
      args: ['sh'],
      user: '0:0',
      readonlyRootfs: true,
      cgroups: cgroup.joinPaths,
      netRecords: ['net.mode=none'],
      process: { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }] },
    });
    // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
    expect(t.shim.security?.caps?.effective).toBe('0000000020000420');
    expect(t.shim.security?.caps?.ambient).toBe('0000000000000000');
    expect(t.shim.security?.noNewPrivileges).toBe(true);
    expect(t.shim.security?.maskedPaths).toContain('/proc/kcore');
    expect(t.shim.security?.readonlyPaths).toContain('/proc/sys');
    // the standard mounts are made over as listed, but /dev (the shim's, with its nodes)
    expect(t.shim.mounts?.map((m) => [m.target, m.fstype, m.replace])).toEqual([
      ['/proc', 'proc', true],
      ['/dev/pts', 'devpts', true],
      ['/dev/shm', 'tmpfs', true],
      ['/dev/mqueue', 'mqueue', true],
      ['/sys', 'sysfs', true],
      ['/sys/fs/cgroup', 'cgroup', true],
    ]);
    expect(t.shim.mounts?.[1]).toEqual({ type: 'fs', fstype: 'devpts', fsSource: 'devpts', source: '', target: '/dev/pts', opts: ['nosuid', 'noexec'], data: ['newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'], replace: true });
    // deny-all from the spec, then the default nodes the shim makes in /dev
    expect(t.shim.deviceFilter?.defaultAllow).toBe(false);
    expect(t.shim.deviceFilter?.exceptions).toContain('c 1:3 rwm');
  });

  it('absent capabilities are none (not Docker\'s default set)', () => {
    const t = tr(spec((s) => delete s.process.capabilities));
    expect(t.shim.security?.caps?.bounding).toBe('0000000000000000');
  });

  it('passes user, additionalGids, env, cwd, sysctl, resources and bind/tmpfs mounts', () => {
    const t = tr(
      spec((s) => {
        s.process.user = { uid: 1000, gid: 100, additionalGids: [10, 20] };
        s.process.env = ['A=1'];
        s.process.cwd = '/work';
        s.root = { path: '/abs/root', readonly: false };
        s.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
        s.linux.resources = { memory: { limit: 64 << 20 }, pids: { limit: 32 }, cpu: { quota: 50000, period: 100000 } };
        s.mounts.push({ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro'] });
        s.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m', 'strictatime'] });
        s.mounts.push({ destination: '/dev/shm', type: 'bind', source: '/host/shm', options: ['rbind'] });
      }),
    );
    expect(t.shim.user).toBe('1000:100');
    expect(t.shim.process?.groupAdd).toEqual(['10', '20']);
    expect(t.shim.env).toEqual(['A=1']);
    expect(t.shim.cwd).toBe('/work');
    expect(t.rootfs).toBe('/abs/root');
    expect(t.shim.readonlyRootfs).toBeUndefined();
    expect(t.shim.process?.sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
    // no memory.swap: swap is not limited (runc), not the drivers' Docker default of memory×2
    expect(t.limits).toEqual({ memory: 64 << 20, memorySwap: -1, pids: 32, cpuQuota: 50000, cpuPeriod: 100000 });
    expect(tr(spec((s) => (s.linux.resources = { memory: { limit: 64 << 20, swap: 96 << 20 } }))).limits).toEqual({ memory: 64 << 20, memorySwap: 96 << 20 });
    expect(t.shim.mounts?.slice(-3)).toEqual([
      { type: 'bind', source: '/bundles/b/data', target: '/data', opts: ['ro'], data: [] },
      { type: 'fs', fstype: 'tmpfs', fsSource: 'tmpfs', source: '', target: '/scratch', opts: ['nosuid', 'strictatime'], data: ['size=1m'], replace: false },
      { type: 'bind', source: '/host/shm', target: '/dev/shm', opts: [], data: [] },
    ]);
  });

  it('passes proc, sysfs, mqueue, devpts, cgroup and other filesystems at any destination, in order', () => {
    const t = tr(
      spec((s) => {
        s.mounts = [
          { destination: '/altproc/', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'rw', 'relatime'] },
          { destination: '/altsys', type: 'sysfs', source: 'sysfs', options: ['ro', 'nosuid', 'rslave'] },
          { destination: '/a/b/c', type: 'tmpfs', source: 'tmpfs', options: ['size=1m', 'mode=700', 'nr_inodes=100', 'noexec', 'exec'] },
          { destination: '/cg', type: 'cgroup', source: 'cgroup', options: ['ro'] },
          { destination: '/sys/fs/cgroup', type: 'cgroup2', source: 'cgroup2' },
        ];
      }),
    );
    expect(t.shim.mounts).toEqual([
      { type: 'fs', fstype: 'proc', fsSource: 'proc', source: '', target: '/altproc', opts: ['nosuid', 'noexec', 'relatime'], data: [], replace: false },
      { type: 'fs', fstype: 'sysfs', fsSource: 'sysfs', source: '', target: '/altsys', opts: ['ro', 'nosuid', 'rslave'], data: [], replace: false },
      { type: 'fs', fstype: 'tmpfs', fsSource: 'tmpfs', source: '', target: '/a/b/c', opts: [], data: ['size=1m', 'mode=700', 'nr_inodes=100'], replace: false },
      { type: 'fs', fstype: 'cgroup', fsSource: 'cgroup', source: '', target: '/cg', opts: ['ro'], data: [], replace: false },
      { type: 'fs', fstype: 'cgroup2', fsSource: 'cgroup2', source: '', target: '/sys/fs/cgroup', opts: [], data: [], replace: true },
    ]);
    const records = encodeRuntimeConfig(t.shim, t.records).toString('utf8').split(/[\n\0]/);
    expect(records).toEqual(expect.arrayContaining(['mount=fs', 'mount.fstype=proc', 'mount.fssrc=proc', 'mount.dst=/altproc', 'mount.fsdata=nr_inodes=100']));
  });

  it('shares the host\'s pid, ipc and uts namespaces when they are left out (runc); never the mount namespace', () => {
    const host = spec((s) => {
      s.linux.namespaces = s.linux.namespaces.filter((n: any) => !['pid', 'ipc', 'uts'].includes(n.type));
      delete s.hostname;
    });
    expect(tr(host).records).toEqual(expect.arrayContaining(['oci.hostns=pid', 'oci.hostns=ipc', 'oci.hostns=uts']));
    expect(tr(spec()).records.filter((r) => r.startsWith('oci.hostns='))).toEqual([]);
    const noUts = (edit: (s: any) => void) => spec((s) => ((s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'uts' && n.type !== 'ipc')), edit(s)));
    expect(() => tr(noUts(() => undefined))).toThrow(/unable to set hostname without a private UTS namespace/);
    expect(() => tr(noUts((s) => ((s.hostname = ''), (s.domainname = 'd'))))).toThrow(/unable to set domainname without a private UTS namespace/);
    expect(() => tr(noUts((s) => ((s.hostname = ''), (s.linux.sysctl = { 'kernel/shmmax': '1' }))))).toThrow(/sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace/);
    expect(() => tr(spec((s) => (s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'mount'))))).toThrow(/has no mount namespace: .*add \{"type":"mount"\}/);
  });

  it('no network namespace → the host network', () => {
    const t = tr(spec((s) => (s.linux.namespaces = s.linux.namespaces.filter((n: any) => n.type !== 'network'))));
    expect(t.shim.netRecords).toEqual(['net.mode=host']);
  });

  it('turns an OCI seccomp section into the shim\'s flat rules', () => {
    const t = tr(
      spec((s) => {
        s.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ['SCMP_ARCH_X86_64'],
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
        };
      }),
    );
    expect(t.shim.security?.seccomp).toEqual({ defaultAction: 'allow', architectures: ['x86_64'], rules: [{ action: 'errno:13', names: ['mkdir', 'mkdirat'], args: [] }] });
  });

  it('refuses what the shim cannot honour, by name', () => {
    const cases: [(s: any) => void, RegExp][] = [
      [(s) => s.linux.namespaces.push({ type: 'user' }), /user namespaces enabled, but no namespace path to join nor mappings to apply specified/],
      [(s) => (s.linux.namespaces.push({ type: 'user' }), (s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), /user namespaces enabled, but no gid mappings found/],
      [(s) => (s.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' }), (s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), /the joined namespace has its own mappings/],
      [(s) => (s.linux.namespaces.push({ type: 'user' }), (s.linux.uidMappings = s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 0 }])), /linux.uidMappings\[0\]: expected containerID, hostID and size >= 1/],
      [(s) => (s.linux.namespaces.push({ type: 'user' }), (s.linux.uidMappings = s.linux.gidMappings = Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: 1000 + i, size: 1 })))), /341 ranges, the kernel takes at most 340/],
      [(s) => s.linux.namespaces.push({ type: 'time' }), /a time namespace is not supported/],
      [(s) => (s.hooks = { preStart: [{ path: '/bin/true' }] }), /hooks.preStart is not a hook minibox-runtime knows/],
      [(s) => (s.hooks = { prestart: [{ path: 'true' }] }), /hooks.prestart\[0\].path: must be an absolute path/],
      [(s) => (s.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] }), /hooks.poststop\[0\].timeout/],
      [(s) => (s.linux.namespaces[1] = { type: 'network', path: 'netns/x' }), /namespaces network path: must be absolute/],
      [(s) => (s.linux.rootfsPropagation = 'sideways'), /linux.rootfsPropagation "sideways"/],
      [(s) => (s.process.oomScoreAdj = 5000), /process.oomScoreAdj/],
      [(s) => (s.process.user.umask = 0o1777), /process.user.umask/],
      [(s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), /user namespace mappings specified, but user namespace isn't enabled in the config/],
      [(s) => s.mounts.push({ destination: '/x', type: 'overlay', source: 'o' }), /mount \/x: an overlay mount is not supported/],
      [(s) => s.mounts.push({ destination: '/x', type: 'tmpfs', source: 't', options: ['size=1m,mode=777'] }), /mount \/x: invalid option "size=1m,mode=777"/],
      [(s) => s.mounts.push({ destination: '/x', type: 'tmpfs', source: 't', options: ['tmpcopyup'] }), /mount \/x: option tmpcopyup is not supported/],
      [(s) => s.mounts.push({ destination: '/x', type: 'bind', source: '/y', options: ['rbind', 'size=1m'] }), /mount \/x: unsupported option size=1m for a bind mount/],
      [(s) => s.mounts.push({ destination: 'x', type: 'proc', source: 'proc' }), /mount x: destination must be absolute/],
      [(s) => (s.process.apparmorProfile = 'p'), /process.apparmorProfile "p" asked for, but AppArmor is not enabled on this host/],
      [(s) => (s.linux.resources.blockIO = { weight: 5 }), /invalid config.json linux.resources.blockIO.weight: expected 10..1000/],
      [(s) => (s.linux.resources.rdma = { mlx4_0: { hcaHandles: 1 } }), /linux.resources.rdma is not supported/],
      [(s) => (s.process.cwd = 'rel'), /process.cwd: must be absolute/],
      [(s) => (s.process.args = []), /process.args/],
    ];
    for (const [edit, msg] of cases) expect(() => tr(spec(edit))).toThrow(msg);
  });

  it('passes namespace paths, umask, oomScoreAdj, domainname and rootfsPropagation as oci.* records', () => {
    const t = tr(
      spec((s) => {
        s.linux.namespaces = s.linux.namespaces.map((n: any) => (n.type === 'network' ? { type: 'network', path: '/run/netns/x' } : n.type === 'pid' ? { type: 'pid', path: '/proc/9/ns/pid' } : n));
        s.process.user.umask = 0o27;
        s.process.oomScoreAdj = -5;
        s.domainname = 'example.org';
        s.linux.rootfsPropagation = 'rslave';
      }),
    );
    expect(t.records).toEqual(['oci.ns=pid:/proc/9/ns/pid', 'oci.ns=net:/run/netns/x', 'oci.umask=27', 'oci.oomscoreadj=-5', 'oci.domainname=example.org', 'oci.rootprop=rslave']);
    // a joined network namespace is not configured as a new one
    expect(t.shim.netRecords).toEqual(['net.mode=host']);
    expect(tr(spec()).records).toEqual([]);
  });

  it('passes a user namespace as oci.userns (new with its maps, or a path to join) records', () => {
    const t = tr(
      spec((s) => {
        s.linux.namespaces.push({ type: 'user' });
        s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 1000, size: 1 }];
      }),
    );
    expect(t.records).toEqual(['oci.userns=new', 'oci.uidmap=0:100000:65536', 'oci.gidmap=0:100000:1000', 'oci.gidmap=1000:1000:1']);
    const joined = tr(spec((s) => s.linux.namespaces.push({ type: 'user', path: '/proc/9/ns/user' })));
    expect(joined.records).toEqual(['oci.userns=/proc/9/ns/user']);
    // runc's rootless spec: a user namespace mapping the caller
    expect(tr(defaultSpec(true, 1000, 1000)).records).toEqual(['oci.userns=new', 'oci.uidmap=0:1000:1', 'oci.gidmap=0:1000:1']);
  });

  it('passes create-time hooks to the shim with the state split around pid and status; keeps post* for the runtime', () => {
    const t = tr(
      spec((s) => {
        s.annotations = { a: 'b' };
        s.hooks = {
          prestart: [{ path: '/bin/p', args: ['p', '-x'], env: ['K=V'], timeout: 3 }],
          startContainer: [{ path: '/bin/s' }],
          poststop: [{ path: '/bin/q' }],
        };
      }),
    );
    expect(t.records).toEqual([
      'oci.hook=prestart',
      'oci.hook.path=/bin/p',
      'oci.hook.arg=p',
      'oci.hook.arg=-x',
      'oci.hook.env=K=V',
      'oci.hook.timeout=3',
      'oci.hook=startContainer',
      'oci.hook.path=/bin/s',
      'oci.state.pre={"ociVersion":"1.2.0","id":"c1","pid":',
      'oci.state.post=,"bundle":"/bundles/b","annotations":{"a":"b"}}',
    ]);
    const pre = t.records.at(-2)!.slice('oci.state.pre='.length);
    const post = t.records.at(-1)!.slice('oci.state.post='.length);
    expect(JSON.parse(`${pre}42,"status":"creating"${post}`)).toEqual({ ociVersion: '1.2.0', id: 'c1', pid: 42, status: 'creating', bundle: '/bundles/b', annotations: { a: 'b' } });
    expect(t.hooks.poststop).toEqual([{ path: '/bin/q' }]);
  });

  it('an AppArmor profile on a host with AppArmor is refused as unsupported, not as absent', () => {
    expect(() => tr(spec((s) => (s.process.apparmorProfile = 'p')), true)).toThrow(/process.apparmorProfile \(loading AppArmor profiles\) is not supported/);
  });

  it('names the field of an invalid config.json (minibox\'s own parser)', () => {
    expect(() => tr(spec((s) => (s.process.args = 'sh')))).toThrow(/process/);
    expect(() => tr(spec((s) => delete s.root))).toThrow(/root/);
  });

  it('encodes a plain root: no overlay keys, plainroot=1 and the extras last', () => {
    const t = tr(spec());
    const records = encodeRuntimeConfig(t.shim, ['execfifo=/r/c1/exec.fifo']).toString().split('\0');
    expect(records.some((r) => /^(lower|upper|work)=/.test(r))).toBe(false);
    expect(records).toContain('rootfs=/bundles/b/rootfs');
    expect(records.slice(-3)).toEqual(['plainroot=1', 'execfifo=/r/c1/exec.fifo', '']);
  });
});
