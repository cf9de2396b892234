import { readFileSync } from 'node:fs';
import path from 'node:path';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { readJsonFile, writeJsonAtomic } from '../util/atomic.js';
import { withLock } from '../util/lock.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { parseResources, type ResourceFlags } from '../container/resources.js';
import { ociResources } from '../container/spec.js';
import { containerCgroup, type CgroupStats } from '../linux/cgroups/index.js';
import { hostFacts } from '../linux/host.js';
import { reconcile } from './containers.js';
import type { ContainerState } from '../container/state.js';

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
  const specFile = path.join(containerDirs(paths, state.id).dir, 'config.json');
  await withLock(paths.locks, `container-${state.id}`, async () => {
    const spec = (await readJsonFile(specFile)) as { linux: { resources: Record<string, object> } };
    const next = ociResources(limits) as Record<string, object>;
    for (const [k, v] of Object.entries(next)) spec.linux.resources[k] = { ...spec.linux.resources[k], ...v };
    await writeJsonAtomic(specFile, spec);
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
    const net = netCounters(c.pid);
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

/** Bytes through the container's interfaces (all but lo), from its network namespace's /proc view. */
function netCounters(pid: number): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  if (!pid) return { rx, tx };
  try {
    for (const line of readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name?.trim() === 'lo') continue;
      const f = rest.trim().split(/\s+/).map(Number);
      rx += f[0] ?? 0;
      tx += f[8] ?? 0;
    }
  } catch {
    // exited meanwhile
  }
  return { rx, tx };
}
