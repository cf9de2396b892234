import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copy } from '../../../src/engine/cp.js';
import { pauseContainer, thawToHearSignal, unpauseContainer } from '../../../src/engine/pause.js';
import { startContainer } from '../../../src/engine/start.js';
import { writeContainerState, type ContainerState } from '../../../src/container/state.js';
import { processStartTime } from '../../../src/linux/proc/liveness.js';
import type { StatePaths } from '../../../src/util/paths.js';
import { fakeDrivers, stateWithImage } from './fakes.js';

/**
 * pause/unpause and cp's freeze with a fake freezer: what is asked of the cgroup, in which
 * order, also when the copy fails. The "running container" is this test process (its pid is
 * live, its /proc/<pid>/root is the host's /), so the copy itself is real, between temp dirs.
 */
let paths: StatePaths;
let cleanup: () => void;
let work: string;
beforeEach(async () => {
  ({ paths, cleanup } = await stateWithImage({}));
  work = path.join(paths.root, 'work-area');
  mkdirSync(work);
});
afterEach(() => cleanup());

const ID = 'f'.repeat(64);

async function container(status: ContainerState['status']): Promise<void> {
  const dir = path.join(paths.containers, ID);
  mkdirSync(dir, { recursive: true });
  const running = status === 'running';
  await writeContainerState(dir, {
    id: ID,
    name: 'box',
    image: 'docker.io/test/app:1',
    imageId: `sha256:${'a'.repeat(64)}`,
    status,
    pid: running ? process.pid : 0,
    shimPid: running ? process.pid : 0,
    shimStartTime: running ? (processStartTime(process.pid) ?? '') : '',
    exitCode: 0,
    oomKilled: false,
    created: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    finishedAt: '',
    autoRemove: false,
  });
}

const noStdio = () => ({ stdin: process.stdin, stdout: new Writable({ write: (_c, _e, cb) => cb() }) });
const opts = { followLink: false, archive: false };

describe('cp into or out of a running container', () => {
  it('freezes the container for the copy and thaws it after', async () => {
    await container('running');
    writeFileSync(path.join(work, 'in.txt'), 'data\n');
    mkdirSync(path.join(work, 'out'));
    const rec = fakeDrivers();
    const { stdin, stdout } = noStdio();
    await copy(`box:${path.join(work, 'in.txt')}`, path.join(work, 'out'), opts, stdin, stdout, rec.drivers);
    expect(rec.steps).toEqual(['cgroup.freeze', 'cgroup.thaw']);
    expect(readFileSync(path.join(work, 'out', 'in.txt'), 'utf8')).toBe('data\n');
    expect(rec.frozen.size).toBe(0);
  });

  it('keeps it frozen until the tar stream to stdout has ended', async () => {
    await container('running');
    writeFileSync(path.join(work, 'in.txt'), 'x'.repeat(200_000));
    const rec = fakeDrivers();
    const seen: boolean[] = [];
    const stdout = new Writable({ write: (_c, _e, cb) => (seen.push(rec.frozen.has(ID)), cb()) });
    await copy(`box:${path.join(work, 'in.txt')}`, '-', opts, process.stdin, stdout, rec.drivers);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(Boolean)).toBe(true);
    expect(rec.steps).toEqual(['cgroup.freeze', 'cgroup.thaw']);
  });

  it('thaws it when the copy fails', async () => {
    await container('running');
    writeFileSync(path.join(work, 'in.txt'), 'data\n');
    const rec = fakeDrivers();
    const { stdin, stdout } = noStdio();
    await expect(copy(path.join(work, 'in.txt'), `box:${path.join(work, 'missing', 'dir')}/`, opts, stdin, stdout, rec.drivers)).rejects.toThrow();
    expect(rec.steps).toEqual(['cgroup.freeze', 'cgroup.thaw']);
    expect(rec.frozen.size).toBe(0);
  });

  it('leaves a container the user paused paused', async () => {
    await container('running');
    writeFileSync(path.join(work, 'in.txt'), 'data\n');
    const rec = fakeDrivers({ frozen: [ID] });
    const { stdin, stdout } = noStdio();
    await copy(path.join(work, 'in.txt'), `box:${work}/copied.txt`, opts, stdin, stdout, rec.drivers);
    expect(readFileSync(path.join(work, 'copied.txt'), 'utf8')).toBe('data\n');
    expect(rec.steps).toEqual([]);
    expect(rec.frozen.has(ID)).toBe(true);
  });

  it('copies nothing when the container cannot be frozen', async () => {
    await container('running');
    writeFileSync(path.join(work, 'in.txt'), 'data\n');
    const rec = fakeDrivers({ freezeFails: new Error('cgroup: freeze: tasks still FREEZING') });
    const { stdin, stdout } = noStdio();
    await expect(copy(path.join(work, 'in.txt'), `box:${work}/copied.txt`, opts, stdin, stdout, rec.drivers)).rejects.toThrow('still FREEZING');
    expect(() => readFileSync(path.join(work, 'copied.txt'))).toThrow();
    expect(rec.steps).toEqual(['cgroup.freeze', 'cgroup.thaw']); // whatever a failed freeze left, it is undone
    expect(rec.frozen.size).toBe(0);
  });
});

describe('pause and unpause', () => {
  it('pause freezes a running container, unpause thaws it', async () => {
    await container('running');
    const rec = fakeDrivers();
    await pauseContainer('box', rec.drivers);
    expect(rec.frozen.has(ID)).toBe(true);
    await unpauseContainer('box', rec.drivers);
    expect(rec.frozen.has(ID)).toBe(false);
    expect(rec.steps).toEqual(['cgroup.freeze', 'cgroup.thaw']);
  });

  it("Docker's refusals: already paused, not paused, not running", async () => {
    await container('running');
    const paused = fakeDrivers({ frozen: [ID] });
    await expect(pauseContainer('box', paused.drivers)).rejects.toThrow(`Container ${ID} is already paused`);
    const running = fakeDrivers();
    await expect(unpauseContainer('box', running.drivers)).rejects.toThrow(`Container ${ID} is not paused`);
    expect([...paused.steps, ...running.steps]).toEqual([]);
  });

  it('start refuses a paused container as Docker does (exit 1); a running one is left alone', async () => {
    await container('running');
    const paused = fakeDrivers({ frozen: [ID] });
    await expect(startContainer('box', paused.drivers)).rejects.toMatchObject({ message: 'cannot start a paused container, try unpause instead', exitCode: 1 });
    const running = fakeDrivers();
    expect((await startContainer('box', running.drivers)).status).toBe('running');
    expect([...paused.steps, ...running.steps]).toEqual([]);
    expect(paused.frozen.has(ID)).toBe(true);
  });

  it('a stopped container is neither paused nor unpaused', async () => {
    await container('exited');
    const rec = fakeDrivers();
    await expect(pauseContainer('box', rec.drivers)).rejects.toThrow(`Container ${ID} is not running`);
    await expect(unpauseContainer('box', rec.drivers)).rejects.toThrow(`Container ${ID} is not paused`);
    expect(rec.steps).toEqual([]);
  });

  it('a stop signal thaws a paused container, and leaves a running one alone', async () => {
    const paused = fakeDrivers({ frozen: [ID] });
    await thawToHearSignal(ID, paused.drivers);
    expect(paused.steps).toEqual(['cgroup.thaw']);
    const running = fakeDrivers();
    await thawToHearSignal(ID, running.drivers);
    expect(running.steps).toEqual([]);
  });
});
