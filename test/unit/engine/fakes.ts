import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { statePaths, type StatePaths } from '../../../src/util/paths.js';
import { writeBlob } from '../../../src/image/blobs.js';
import { setRef, writeImageRecord } from '../../../src/image/index-store.js';
import { snapshotDir } from '../../../src/image/snapshots.js';
import type { ContainerCgroup, DeviceRule, Limits } from '../../../src/linux/cgroups/index.js';
import type { ShimConfig, ShimEvent } from '../../../src/linux/shim.js';
import type { EngineDrivers, LaunchedShim } from '../../../src/engine/drivers.js';
import type { NetworkPlan } from '../../../src/engine/network.js';

/**
 * Fakes for the engine's drivers (src/engine/drivers.ts): each records what it was asked to
 * do in one shared log, so a test reads the run plan as a list of steps in order.
 */
export interface Recorder {
  steps: string[];
  limits: Limits[];
  deviceRules: DeviceRule[][]; // what applyDevices was given, per call
  shimConfigs: ShimConfig[];
  frozen: Set<string>; // ids whose fake freezer is frozen (freeze/thaw flip it; freezerState reads it)
  drivers: EngineDrivers;
}

export interface FakeOptions {
  shimEvents?: ShimEvent[]; // what the shim reports, in order
  shimExit?: number; // its exit code
  attachFails?: Error;
  deviceControl?: 'v1' | 'bpf' | 'none'; // who enforces device rules on the fake host
  frozen?: string[]; // containers whose cgroup starts frozen (paused by the user)
  freezeFails?: Error;
}

const NONE_PLAN: NetworkPlan = { mode: 'none', ports: [], exposed: [], links: [], extraHosts: [], dns: [], aliases: [] };

export function fakeDrivers(opts: FakeOptions = {}): Recorder {
  const rec: Recorder = { steps: [], limits: [], deviceRules: [], shimConfigs: [], frozen: new Set(opts.frozen), drivers: undefined as unknown as EngineDrivers };
  const cgroup = (id: string): ContainerCgroup => ({
    kind: 'v2',
    joinPaths: [`/fake/cgroup/minibox/${id}`],
    viewSpec: 'v2',
    create: () => void rec.steps.push('cgroup.create'),
    apply: (l) => void (rec.steps.push('cgroup.apply'), rec.limits.push(l)),
    deviceControl: opts.deviceControl ?? 'v1',
    applyDevices: (rules) => void rec.deviceRules.push(rules),
    stats: () => ({ memoryUsage: 0, memoryLimit: 0, cpuUsageNs: 0, pids: 0, oomKills: 0, blockRead: 0, blockWrite: 0 }),
    freezerState: () => (rec.frozen.has(id) ? 'frozen' : 'thawed'),
    freeze: async () => {
      rec.steps.push('cgroup.freeze');
      if (opts.freezeFails) throw opts.freezeFails;
      rec.frozen.add(id);
    },
    thaw: async () => void (rec.steps.push('cgroup.thaw'), rec.frozen.delete(id)),
    remove: async () => void rec.steps.push('cgroup.remove'),
  });
  rec.drivers = {
    cgroups: cgroup,
    shim: {
      start: (config): LaunchedShim => {
        rec.steps.push('shim.start');
        rec.shimConfigs.push(config);
        const events = opts.shimEvents ?? [{ kind: 'pid', pid: process.pid }, { kind: 'exit', status: opts.shimExit ?? 0 }];
        return {
          pid: process.pid, // a live pid, so the recorded start time is a real one
          events: Readable.from(events),
          exited: Promise.resolve({ code: opts.shimExit ?? 0, signal: null }),
          kill: (s) => void rec.steps.push(`shim.kill ${s}`),
          release: () => void rec.steps.push('shim.release'),
        };
      },
    },
    network: {
      plan: async () => (rec.steps.push('network.plan'), NONE_PLAN),
      attach: async () => {
        rec.steps.push('network.attach');
        if (opts.attachFails) throw opts.attachFails;
        return ['net.mode=none'];
      },
      release: async () => void rec.steps.push('network.release'),
    },
  };
  return rec;
}

export const IMAGE_REF = 'docker.io/test/app:1';

/** A temp MINIBOX_ROOT with one image (config + two empty layer snapshots) stored as `test/app:1`. */
export async function stateWithImage(config: Record<string, unknown>): Promise<{ paths: StatePaths; lowerDirs: string[]; imageId: string; cleanup: () => void }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'engine-unit-'));
  const saved = process.env.MINIBOX_ROOT;
  process.env.MINIBOX_ROOT = root;
  const paths = statePaths(root);
  const chainIds = [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`];
  const body = { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: chainIds } };
  const blob = await writeBlob(paths, Readable.from([Buffer.from(JSON.stringify(body))]));
  await writeImageRecord(paths, {
    id: blob.digest,
    manifestDigest: `sha256:${'c'.repeat(64)}`,
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    layers: chainIds.map((chainId) => ({ digest: chainId, diffId: chainId, chainId, mediaType: 'application/vnd.oci.image.layer.v1.tar', size: 1, unpackedSize: 1 })),
    size: 2,
    architecture: 'amd64',
    os: 'linux',
    loadedAt: new Date().toISOString(),
  });
  await setRef(paths, IMAGE_REF, blob.digest);
  const lowerDirs = chainIds.map((c) => snapshotDir(paths, c));
  for (const d of lowerDirs) mkdirSync(d, { recursive: true });
  return {
    paths,
    lowerDirs,
    imageId: blob.digest,
    cleanup: () => {
      if (saved === undefined) delete process.env.MINIBOX_ROOT;
      else process.env.MINIBOX_ROOT = saved;
      rmSync(root, { recursive: true, force: true });
    },
  };
}
