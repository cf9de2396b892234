import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { statePaths, type StatePaths } from '../../../src/util/paths.js';
import { isValidVolumeName, newAnonymousVolumeName, validateVolumeName } from '../../../src/volume/names.js';
import { parseVolumeRecord } from '../../../src/volume/record.js';
import { createVolume, deleteVolumeFiles, findVolume, listVolumes, volumeDirs, volumeNameOfSource, volumeSize } from '../../../src/volume/store.js';
import { parseVolumeFilter } from '../../../src/engine/volume-admin.js';

describe('volume names', () => {
  it("follow Docker's local driver rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+", () => {
    for (const ok of ['db', 'my-data_1.0', 'A1', '0x']) expect(isValidVolumeName(ok)).toBe(true);
    for (const bad of ['x', '', '-db', '.db', 'a/b', 'a b', 'a:b', '../x', 'é1']) expect(isValidVolumeName(bad)).toBe(false);
    expect(() => validateVolumeName('a/b')).toThrow('create a/b: "a/b" includes invalid characters for a local volume name');
  });
  it('anonymous names are 64 hex digits, fresh each time', () => {
    const a = newAnonymousVolumeName();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newAnonymousVolumeName()).not.toBe(a);
  });
});

describe('volume records', () => {
  const good = { name: 'db', driver: 'local', created: '2024-01-01T00:00:00Z', labels: { a: 'b' }, anonymous: false };
  it('parse a valid record', () => {
    expect(parseVolumeRecord(good)).toEqual(good);
    expect(parseVolumeRecord({ ...good, labels: undefined, anonymous: undefined })).toMatchObject({ labels: {}, anonymous: false });
  });
  it('refuse a record that is not one', () => {
    expect(() => parseVolumeRecord({ ...good, name: '../etc' })).toThrow(/name/);
    expect(() => parseVolumeRecord({ ...good, driver: 'nfs' })).toThrow(/driver/);
    expect(() => parseVolumeRecord({ ...good, labels: { a: 1 } })).toThrow(/label a/);
    expect(() => parseVolumeRecord({ ...good, anonymous: 'yes' })).toThrow(/anonymous/);
    expect(() => parseVolumeRecord([])).toThrow();
  });
});

describe('volume filters', () => {
  it("take Docker's keys, refuse others", () => {
    expect(parseVolumeFilter('dangling=true')).toEqual({ key: 'dangling', value: 'true' });
    expect(parseVolumeFilter('label=a=b')).toEqual({ key: 'label', value: 'a=b' });
    expect(() => parseVolumeFilter('colour=red')).toThrow("invalid filter 'colour'");
    expect(() => parseVolumeFilter('dangling=maybe')).toThrow("invalid filter 'dangling=maybe'");
  });
});

describe('volume store', () => {
  let root: string;
  let paths: StatePaths;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'volume-store-'));
    paths = statePaths(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates volumes/<name>/{volume.json,_data} with Docker-like modes, idempotently', async () => {
    const { volume, created } = await createVolume(paths, { name: 'db', labels: { team: 'x' } });
    expect(created).toBe(true);
    expect(volume).toMatchObject({ name: 'db', driver: 'local', labels: { team: 'x' }, anonymous: false });
    expect(volume.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const dirs = volumeDirs(paths, 'db');
    expect(statSync(path.join(root, 'volumes')).mode & 0o777).toBe(0o701);
    expect(statSync(dirs.dir).mode & 0o777).toBe(0o701);
    expect(statSync(dirs.data).mode & 0o777).toBe(0o755);
    expect(statSync(dirs.record).mode & 0o777).toBe(0o600);
    const again = await createVolume(paths, { name: 'db', labels: { other: 'y' } });
    expect(again).toEqual({ volume, created: false });
  });

  it('anonymous volumes carry the anonymous flag and Docker 23+ label', async () => {
    const { volume } = await createVolume(paths, {});
    expect(volume.anonymous).toBe(true);
    expect(volume.labels).toEqual({ 'com.docker.volume.anonymous': '' });
  });

  it('lists finished volumes by name, skipping unfinished or damaged ones; delete removes all', async () => {
    await createVolume(paths, { name: 'zz' });
    await createVolume(paths, { name: 'aa' });
    mkdirSync(path.join(root, 'volumes', 'half', '_data'), { recursive: true }); // no record: unfinished
    mkdirSync(path.join(root, 'volumes', 'bad'));
    writeFileSync(path.join(root, 'volumes', 'bad', 'volume.json'), '{"name":');
    expect((await listVolumes(paths)).map((v) => v.name)).toEqual(['aa', 'zz']);
    expect(await findVolume(paths, 'half')).toBeUndefined();
    deleteVolumeFiles(paths, 'aa');
    expect(readdirSync(path.join(root, 'volumes')).sort()).toEqual(['bad', 'half', 'zz']);
    // a later create over the unfinished one replaces it
    expect((await createVolume(paths, { name: 'half' })).created).toBe(true);
  });

  it('maps a bind source back to its volume, and only a _data directly under volumes/', () => {
    expect(volumeNameOfSource(paths, path.join(root, 'volumes', 'db', '_data'))).toBe('db');
    expect(volumeNameOfSource(paths, path.join(root, 'volumes', 'db', '_data', 'sub'))).toBeUndefined();
    expect(volumeNameOfSource(paths, path.join(root, 'volumes', 'db'))).toBeUndefined();
    expect(volumeNameOfSource(paths, '/srv/data/_data')).toBeUndefined();
  });

  it('sizes a volume by its regular files', async () => {
    await createVolume(paths, { name: 'db' });
    const data = volumeDirs(paths, 'db').data;
    mkdirSync(path.join(data, 'd'));
    writeFileSync(path.join(data, 'a'), '12345');
    writeFileSync(path.join(data, 'd', 'b'), '123');
    expect(volumeSize(paths, 'db')).toBe(8);
  });
});
