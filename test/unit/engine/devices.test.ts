import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runContainer, type RunRequest } from '../../../src/engine/run.js';
import { startContainer } from '../../../src/engine/start.js';
import { readSpec } from '../../../src/container/spec-read.js';
import { DEFAULT_DEVICE_RULES } from '../../../src/container/security/devices.js';
import type { StatePaths } from '../../../src/util/paths.js';
import { fakeDrivers, stateWithImage } from './fakes.js';

/**
 * The device plan of `run` with fake drivers: the rules reach the cgroup driver and
 * config.json, the v2 (eBPF) host gets them in the shim config, a host without any device
 * cgroup gets one warning, and a bad --device leaves nothing behind.
 */
let paths: StatePaths;
let cleanup: () => void;
beforeEach(async () => ({ paths, cleanup } = await stateWithImage({ Cmd: ['/bin/app'] })));
afterEach(() => cleanup());

const request = (over: Partial<RunRequest> = {}): RunRequest => ({
  image: 'test/app:1', command: [], env: [], interactive: false, autoRemove: false, pull: 'never', resources: {}, network: { network: 'none' }, ...over,
});
const containerIds = () => (existsSync(paths.containers) ? readdirSync(paths.containers) : []);

describe('run: device rules', () => {
  it("v1: Docker's default rules go to the cgroup driver and into config.json; no warning", async () => {
    const rec = fakeDrivers({ deviceControl: 'v1' });
    const warnings: string[] = [];
    await runContainer(request({ onWarning: (m) => warnings.push(m) }), rec.drivers);
    expect(rec.deviceRules).toEqual([DEFAULT_DEVICE_RULES]);
    const spec = await readSpec(path.join(paths.containers, containerIds()[0] ?? ''));
    expect(spec.linux.resources.devices).toEqual(DEFAULT_DEVICE_RULES);
    expect(spec.linux.devices).toBeUndefined();
    expect(rec.shimConfigs[0]?.deviceFilter).toBeUndefined(); // the kernel's devices files do it
    expect(warnings).toEqual([]);
  });

  it('v2: the shim gets the rules in force for its eBPF program', async () => {
    const rec = fakeDrivers({ deviceControl: 'bpf' });
    await runContainer(request(), rec.drivers);
    const filter = rec.shimConfigs[0]?.deviceFilter;
    expect(filter?.defaultAllow).toBe(false);
    expect(filter?.exceptions).toContain('b *:* m');
    expect(filter?.exceptions).toContain('c 136:* rwm');
    expect(filter?.exceptions).not.toContain('c 10:229 rwm');
  });

  it('no device cgroup at all: one warning, and the run goes on', async () => {
    const rec = fakeDrivers({ deviceControl: 'none' });
    const warnings: string[] = [];
    expect(await runContainer(request({ onWarning: (m) => warnings.push(m) }), rec.drivers)).toBe(0);
    expect(warnings).toEqual(['no device cgroup on this host; device access is not restricted']);
  });

  it('--device /dev/null:/dev/mynull: the host node in linux.devices, its rule in the cgroup, the node to the shim', async () => {
    const rec = fakeDrivers({ deviceControl: 'bpf' });
    await runContainer(request({ devices: ['/dev/null:/dev/mynull:rw'] }), rec.drivers);
    const spec = await readSpec(path.join(paths.containers, containerIds()[0] ?? ''));
    expect(spec.linux.devices).toEqual([{ path: '/dev/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }]);
    expect(spec.linux.resources.devices).toContainEqual({ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' });
    expect(rec.shimConfigs[0]?.deviceNodes).toEqual(spec.linux.devices);
  });

  it('a --device that does not exist: exit 125 before anything is created', async () => {
    const rec = fakeDrivers();
    const run = runContainer(request({ devices: ['/dev/nope-minibox'] }), rec.drivers);
    await expect(run).rejects.toThrow('error gathering device information while adding custom device "/dev/nope-minibox": no such file or directory');
    await expect(run).rejects.toMatchObject({ exitCode: 125 });
    expect(containerIds()).toEqual([]);
    expect(rec.steps).toEqual(['network.plan']);
  });

  it('start applies the recorded rules again, and makes the same nodes', async () => {
    const run = fakeDrivers({ deviceControl: 'v1' });
    await runContainer(request({ devices: ['/dev/null:/dev/mynull'] }), run.drivers);
    const start = fakeDrivers({ deviceControl: 'v1', shimEvents: [{ kind: 'monitor', pid: process.pid }, { kind: 'pid', pid: 4242 }, { kind: 'started' }] });
    await startContainer(containerIds()[0] ?? '', start.drivers);
    expect(start.deviceRules).toEqual(run.deviceRules);
    expect(start.deviceRules[0]).toContainEqual({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    expect(start.shimConfigs[0]?.deviceNodes).toEqual(run.shimConfigs[0]?.deviceNodes);
  });
});
