import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { withLock } from '../linux/file-lock.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { parseResources, type ResourceFlags } from '../container/resources.js';
import { mergeResources, ociResources } from '../container/spec.js';
import { readSpec, writeSpec } from '../container/spec-read.js';
import { containerCgroup, type CgroupStats } from '../linux/cgroups/index.js';
import { hostFacts } from '../linux/host.js';
import { netDevCounters } from '../linux/proc/net-dev.js';
import { reconcile } from './containers.js';
import type { ContainerState } from '../container/state.js';

export type { ResourceFlags } from '../container/resources.js';

/** `update` (new limits on a running container) and `stats` (its cgroup and netns counters). */
export async function updateContainer(ref: string, flags: ResourceFlags): Promise<ContainerState> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  const limits = parseResources(flags, hostFacts());
  if (state.status !== 'running') {
    throw new MiniboxError(`Cannot update container ${state.id}: container is not running`, 1);
  }
  containerCgroup(state.id).apply(limits);
  // keep config.json the single description of the container
  const dir = containerDirs(paths, state.id).dir;
  await withLock(paths.locks, `container-${state.id}`, async () => {
    const spec = await readSpec(dir);
    await writeSpec(dir, { ...spec, linux: { ...spec.linux, resources: mergeResources(spec.linux.resources, ociResources(limits)) } });
  });
  return state;
}

export interface ContainerStats extends CgroupStats {
  id: string;
  name: string;
  cpuPercent: number;
  netRx: number;
  netTx: number;
}

/** Two samples `intervalMs` apart, like docker stats' first frame: CPU % is of one CPU, ×cores. */
export async function sampleStats(refs: string[], all: boolean, intervalMs = 500): Promise<ContainerStats[]> {
  const paths = statePaths();
  const { listContainers } = await import('./containers.js');
  const targets = refs.length > 0 ? await Promise.all(refs.map(async (r) => reconcile(await findContainer(paths, r)))) : await listContainers(all);
  const first = targets.map((c) => ({ c, s: safeStats(c), t: process.hrtime.bigint() }));
  await new Promise((r) => setTimeout(r, intervalMs));
  return first.map(({ c, s, t }) => {
    const now = safeStats(c);
    const elapsedNs = Number(process.hrtime.bigint() - t);
    const net = netDevCounters(c.pid); // the container's netns, through its init's /proc view
    return {
      ...now,
      id: c.id,
      name: c.name,
      cpuPercent: elapsedNs > 0 ? ((now.cpuUsageNs - s.cpuUsageNs) / elapsedNs) * 100 : 0,
      netRx: net.rx,
      netTx: net.tx,
    };
  });
}

function safeStats(c: ContainerState): CgroupStats {
  if (c.status !== 'running') return { memoryUsage: 0, memoryLimit: 0, cpuUsageNs: 0, pids: 0, oomKills: 0, blockRead: 0, blockWrite: 0 };
  return containerCgroup(c.id).stats();
}
