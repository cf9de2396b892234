import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSpec, limitsOf, lowerDirsOf, mergeResources, ociResources, userOf, type SpecInput } from '../../../src/container/spec.js';
import { parseOciSpec, readSpec, writeSpec } from '../../../src/container/spec-read.js';
import { containerSecurity } from '../../../src/container/security/confinement.js';
import { isPrivileged } from '../../../src/container/spec.js';

const KERNEL = { lastCap: 40, arch: 'amd64', release: '6.1.0' };
const security = (privileged = false) => containerSecurity({ capAdd: [], capDrop: [], privileged, securityOpt: [] }, KERNEL);

/** config.json as buildSpec writes it (runtime-spec config.md field names) and as readSpec reads it back. */
const ID = 'f'.repeat(64);
const INPUT: SpecInput = {
  id: ID,
  process: { args: ['/bin/sh', '-c', 'echo hi'], env: ['PATH=/bin', 'HOSTNAME=web'], cwd: '/app', user: '' },
  hostname: 'web',
  terminal: true,
  imageRef: 'docker.io/library/busybox:latest',
  imageId: `sha256:${'1'.repeat(64)}`,
  lowerDirs: ['/var/lib/minibox/snapshots/aaa', '/var/lib/minibox/snapshots/bbb'],
  limits: { memory: 67108864, memorySwap: 134217728, cpuQuota: 50000, cpuPeriod: 100000, cpusetCpus: '0-1', pids: 64 },
  security: security(),
};

describe('buildSpec', () => {
  const spec = buildSpec(INPUT);

  it('puts the process, terminal and root user where the runtime spec has them', () => {
    expect(spec.ociVersion).toBe('1.0.2');
    expect(spec.process).toEqual({
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['/bin/sh', '-c', 'echo hi'],
      env: ['PATH=/bin', 'HOSTNAME=web'],
      cwd: '/app',
      capabilities: INPUT.security.capabilities,
      noNewPrivileges: false,
    });
    expect(spec.root).toEqual({ path: 'rootfs', readonly: false });
    expect(spec.hostname).toBe('web');
  });

  it('describes the namespaces, the cgroup path and the limits in linux.resources', () => {
    expect(spec.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'mount', 'network', 'uts', 'ipc', 'cgroup']);
    expect(spec.linux.cgroupsPath).toBe(`/minibox/${ID}`);
    expect(spec.linux.resources).toEqual({
      memory: { limit: 67108864, swap: 134217728 },
      cpu: { quota: 50000, period: 100000, cpus: '0-1' },
      pids: { limit: 64 },
    });
  });

  it('lists the standard mounts in order', () => {
    expect(spec.mounts.map((m) => `${m.type}:${m.destination}`)).toEqual([
      'proc:/proc', 'tmpfs:/dev', 'devpts:/dev/pts', 'tmpfs:/dev/shm', 'mqueue:/dev/mqueue', 'sysfs:/sys',
    ]);
    expect(spec.mounts[5]?.options).toContain('ro');
  });

  it('annotates the image and the layers, bottom → top, so the rootfs can be rebuilt from the file', () => {
    expect(spec.annotations).toEqual({
      'io.minibox.image.ref': 'docker.io/library/busybox:latest',
      'io.minibox.image.id': `sha256:${'1'.repeat(64)}`,
      'io.minibox.rootfs.lower': '/var/lib/minibox/snapshots/aaa:/var/lib/minibox/snapshots/bbb',
    });
    expect(lowerDirsOf(spec)).toEqual(INPUT.lowerDirs);
  });

  it('records the confinement: capabilities, seccomp, masked and read-only paths; --privileged lifts them', () => {
    expect(spec.process.capabilities?.bounding).toHaveLength(14);
    expect(spec.linux.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(spec.linux.maskedPaths).toContain('/proc/kcore');
    expect(spec.linux.readonlyPaths).toContain('/proc/sys');
    expect(isPrivileged(spec)).toBe(false);
    const priv = buildSpec({ ...INPUT, security: security(true) });
    expect(isPrivileged(priv)).toBe(true);
    expect(priv.linux.seccomp).toBeUndefined();
    expect(priv.linux.maskedPaths).toEqual([]);
    expect(priv.mounts.find((m) => m.destination === '/sys')?.options).not.toContain('ro');
  });

  it("records the image's USER for the shim: numbers in process.user, the spec as given in an annotation", () => {
    expect(userOf(spec)).toBeUndefined();
    const named = buildSpec({ ...INPUT, process: { ...INPUT.process, user: 'app:staff' } });
    expect([named.process.user, userOf(named)]).toEqual([{ uid: 0, gid: 0 }, 'app:staff']);
    const numeric = buildSpec({ ...INPUT, process: { ...INPUT.process, user: '1000:50' } });
    expect([numeric.process.user, userOf(numeric)]).toEqual([{ uid: 1000, gid: 50 }, '1000:50']);
    expect(userOf({ ...spec, process: { ...spec.process, user: { uid: 7, gid: 8 } } })).toBe('7:8'); // a hand-written config.json
  });

  it('writes no resources for no limits', () => {
    expect(buildSpec({ ...INPUT, limits: {} }).linux.resources).toEqual({});
  });
});

describe('limits and linux.resources', () => {
  it('limitsOf inverts ociResources', () => {
    const all = { memory: 1, memorySwap: 2, memoryReservation: 3, cpuShares: 4, cpuQuota: 5, cpuPeriod: 6, cpusetCpus: '1', pids: 7 };
    expect(limitsOf(ociResources(all))).toEqual(all);
  });

  it('update merges kind by kind: a new memory limit keeps the recorded swap and the cpu limits', () => {
    const current = ociResources({ memory: 100, memorySwap: 200, cpuShares: 512 });
    expect(mergeResources(current, ociResources({ memory: 50 }))).toEqual({ memory: { limit: 50, swap: 200 }, cpu: { shares: 512 } });
  });
});

describe('readSpec', () => {
  it('reads back what was written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spec-test-'));
    try {
      const spec = buildSpec(INPUT);
      await writeSpec(dir, spec);
      expect(await readSpec(dir)).toEqual(spec);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a file that is not a container spec, naming what is wrong', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spec-test-'));
    try {
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...buildSpec(INPUT), process: { args: 'sh' } }));
      await expect(readSpec(dir)).rejects.toThrow('invalid config.json process: "args" must be an array of strings');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['no process', { root: { path: 'rootfs' }, linux: {}, ociVersion: '1' }, 'invalid config.json process: expected a JSON object'],
    ['a number as hostname', { ...buildSpec(INPUT), hostname: 5 }, '"hostname" must be a string'],
    ['a string memory limit', { ...buildSpec(INPUT), linux: { ...buildSpec(INPUT).linux, resources: { memory: { limit: '1g' } } } }, 'invalid config.json linux.resources.memory: "limit" must be a number'],
    ['a string pids limit', { ...buildSpec(INPUT), linux: { ...buildSpec(INPUT).linux, resources: { pids: { limit: 'x' } } } }, 'invalid config.json linux.resources.pids: "limit" must be a number'],
    ['a mount without a destination', { ...buildSpec(INPUT), mounts: [...buildSpec(INPUT).mounts, { type: 'tmpfs', source: 'tmpfs' }] }, `invalid config.json mounts[${buildSpec(INPUT).mounts.length}]: missing "destination"`],
    ['a non-string annotation', { ...buildSpec(INPUT), annotations: { a: 1 } }, '"a" must be a string'],
  ])('rejects %s', (_what, json, message) => {
    expect(() => parseOciSpec(json)).toThrow(message);
  });
});
