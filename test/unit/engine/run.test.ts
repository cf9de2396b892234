import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runContainer, type RunRequest } from '../../../src/engine/run.js';
import { startContainer } from '../../../src/engine/start.js';
import { readContainerState } from '../../../src/container/state.js';
import { readSpec } from '../../../src/container/spec-read.js';
import { readHostConfig } from '../../../src/container/hostconfig.js';
import { MiniboxError } from '../../../src/util/errors.js';
import type { StatePaths } from '../../../src/util/paths.js';
import { fakeDrivers, stateWithImage } from './fakes.js';

/**
 * The run plan with fake Linux drivers (no root, no kernel): what runContainer asks the
 * cgroup, network and shim drivers to do, in which order, with which config, and what it
 * leaves behind when a step fails. The real kernel side is test/integration/run.test.ts.
 */
const IMAGE_CONFIG = {
  Entrypoint: ['/bin/app'],
  Cmd: ['--serve'],
  Env: ['PATH=/usr/bin:/bin', 'MODE=image'],
  WorkingDir: '/srv',
  StopSignal: 'SIGQUIT',
};

let paths: StatePaths;
let lowerDirs: string[];
let cleanup: () => void;
beforeEach(async () => ({ paths, lowerDirs, cleanup } = await stateWithImage(IMAGE_CONFIG)));
afterEach(() => cleanup());

function request(over: Partial<RunRequest> = {}): RunRequest {
  return { image: 'test/app:1', command: [], env: [], interactive: false, autoRemove: false, pull: 'never', resources: {}, network: { network: 'none' }, ...over };
}

const containerIds = () => (existsSync(paths.containers) ? readdirSync(paths.containers) : []);

describe('runContainer (foreground)', () => {
  it('creates the cgroup and applies the limits before the shim starts, attaches the network first, cleans up after', async () => {
    const rec = fakeDrivers({ shimExit: 3, shimEvents: [{ kind: 'pid', pid: process.pid }, { kind: 'exit', status: 3 }] });
    const status = await runContainer(request({ resources: { memory: '64m', pidsLimit: '20' } }), rec.drivers);
    expect(status).toBe(3);
    expect(rec.steps).toEqual(['network.plan', 'network.attach', 'cgroup.create', 'cgroup.apply', 'shim.start', 'network.release', 'cgroup.remove']);
    expect(rec.limits).toEqual([{ memory: 64 * 1024 * 1024, pids: 20 }]);
  });

  it('passes the shim the process from the image config with the flags over it', async () => {
    const rec = fakeDrivers();
    await runContainer(request({ command: ['--debug', 'x'], env: ['MODE=flag', 'EXTRA=1'], workdir: '/work', hostname: 'box', tty: true }), rec.drivers);
    const [id] = containerIds();
    const dir = path.join(paths.containers, id ?? '');
    expect(rec.shimConfigs).toEqual([
      {
        id,
        rootfs: path.join(dir, 'rootfs'),
        lowerDirs, // bottom → top, as the image lists its layers
        upper: path.join(dir, 'upper'),
        work: path.join(dir, 'work'),
        hostname: 'box',
        cwd: '/work',
        args: ['/bin/app', '--debug', 'x'], // the entrypoint stays, the command replaces Cmd
        env: ['PATH=/usr/bin:/bin', 'HOSTNAME=box', 'MODE=flag', 'EXTRA=1'], // HOME: the shim's, from passwd
        cgroups: [`/fake/cgroup/minibox/${id}`],
        cgroupView: 'v2',
        netRecords: ['net.mode=none'],
        run: { tty: true, stdin: false, nshold: false },
        process: { rlimits: [expect.objectContaining({ type: 'RLIMIT_NOFILE' })] }, // Docker's default nofile, clamped
        security: expect.objectContaining({ privileged: false, caps: expect.objectContaining({ effective: '00000000a80425fb' }) }),
      },
    ]);
  });

  it('records the exit, and what start needs to run the container again', async () => {
    const rec = fakeDrivers({ shimExit: 7, shimEvents: [{ kind: 'pid', pid: process.pid }, { kind: 'exit', status: 7 }] });
    await runContainer(request({ name: 'web' }), rec.drivers);
    const dir = path.join(paths.containers, containerIds()[0] ?? '');
    const state = await readContainerState(dir);
    expect(state).toMatchObject({ name: 'web', status: 'exited', exitCode: 7, pid: 0, image: 'docker.io/test/app:1' });
    expect(await readHostConfig(dir)).toMatchObject({ restart: 'no', tty: false, interactive: false, stopSignal: 'SIGQUIT' });
    expect((await readSpec(dir)).process.args).toEqual(['/bin/app', '--serve']);
  });

  it('--rm: a shim that fails to start the program leaves no record, and the cgroup and network are released', async () => {
    const rec = fakeDrivers({ shimExit: 127, shimEvents: [{ kind: 'error', code: 127, message: 'minibox: exec /bin/app: no such file' }] });
    const run = runContainer(request({ autoRemove: true }), rec.drivers);
    await expect(run).rejects.toThrow(new MiniboxError('exec /bin/app: no such file', 127));
    await expect(run).rejects.toMatchObject({ exitCode: 127 });
    expect(containerIds()).toEqual([]);
    expect(rec.steps).toContain('cgroup.remove');
    expect(rec.steps).toContain('network.release');
  });

  it('without --rm: the failed container stays, exited with the code, as Docker leaves it', async () => {
    const rec = fakeDrivers({ shimExit: 127, shimEvents: [{ kind: 'error', code: 127, message: 'no such file' }] });
    await expect(runContainer(request(), rec.drivers)).rejects.toMatchObject({ exitCode: 127 });
    const ids = containerIds();
    expect(ids).toHaveLength(1);
    expect(await readContainerState(path.join(paths.containers, ids[0] ?? ''))).toMatchObject({ status: 'exited', exitCode: 127 });
    expect(rec.steps.slice(-2)).toEqual(['network.release', 'cgroup.remove']);
  });

  it('a network that cannot be attached (a port in use) leaves no container, no cgroup, no shim', async () => {
    const rec = fakeDrivers({ attachFails: new MiniboxError('port is already allocated') });
    await expect(runContainer(request(), rec.drivers)).rejects.toThrow('port is already allocated');
    expect(containerIds()).toEqual([]);
    expect(rec.steps).toEqual(['network.plan', 'network.attach']);
  });

  it('bad flags fail before anything is created', async () => {
    const rec = fakeDrivers();
    await expect(runContainer(request({ resources: { memory: 'lots' } }), rec.drivers)).rejects.toThrow(MiniboxError);
    expect(containerIds()).toEqual([]);
    expect(rec.steps).toEqual(['network.plan']);
  });
});

describe('runContainer -d and start', () => {
  const detachedEvents = [{ kind: 'monitor' as const, pid: process.pid }, { kind: 'pid' as const, pid: 4242 }, { kind: 'started' as const }];

  it('-d: the shim is launched detached with the log and state dir, and the cgroup stays for the monitor', async () => {
    const rec = fakeDrivers({ shimEvents: detachedEvents });
    let told = '';
    expect(await runContainer(request({ detach: true, restart: 'on-failure:2', onDetached: (id) => (told = id) }), rec.drivers)).toBe(0);
    const [id] = containerIds();
    expect(told).toBe(id);
    const dir = path.join(paths.containers, id ?? '');
    expect(rec.steps).toEqual(['network.plan', 'network.attach', 'cgroup.create', 'cgroup.apply', 'shim.start']);
    expect(rec.shimConfigs[0]?.run).toEqual({
      detach: true,
      tty: false,
      stdin: false,
      log: path.join(dir, `${id}-json.log`),
      statedir: dir,
      restart: 'on-failure:2',
      oom: `/fake/cgroup/minibox/${id}/memory.events`,
    });
    expect(await readContainerState(dir)).toMatchObject({ status: 'running', pid: 4242, shimPid: process.pid });
  });

  it('start runs the container with the same process, layers and limits as run did', async () => {
    const run = fakeDrivers();
    await runContainer(request({ env: ['A=1'], hostname: 'h1', resources: { cpus: '0.5' } }), run.drivers);
    const start = fakeDrivers({ shimEvents: detachedEvents });
    const [id] = containerIds();
    const state = await startContainer(id ?? '', start.drivers);
    expect(state).toMatchObject({ status: 'running', pid: 4242 });
    expect(start.steps).toEqual(['cgroup.create', 'cgroup.apply', 'network.release', 'network.plan', 'network.attach', 'shim.start']);
    expect(start.limits).toEqual(run.limits);
    const { run: _r1, ...ranWith } = run.shimConfigs[0] ?? {};
    const { run: _r2, ...startedWith } = start.shimConfigs[0] ?? {};
    expect(startedWith).toEqual(ranWith);
  });
});
