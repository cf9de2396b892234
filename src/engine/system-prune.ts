import { statePaths, type StatePaths } from '../util/paths.js';
import { treeSize } from '../image/snapshots.js';
import { containerDirs } from '../container/store.js';
import { listContainers, pruneContainers } from './containers.js';
import { pruneNetworks } from './network-admin.js';
import { pruneVolumes } from './volume-admin.js';
import { pruneImagesIn, parsePruneFilters } from './image-prune.js';

/**
 * `minibox system prune [-a] [--volumes] [-f]`: the prunes Docker's CLI runs, in its order
 * (containers, networks, volumes, images — the build cache's leftovers are images here and
 * go with them), each one's own code, the space of each summed.
 */
export interface SystemPruneResult {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: string[]; // "untagged: …" / "deleted: …"
  reclaimed: number;
}

/** What Docker's confirmation lists, for these flags. */
export function systemPruneWarnings(all: boolean, volumes: boolean): string[] {
  return [
    'all stopped containers',
    'all networks not used by at least one container',
    ...(volumes ? ['all anonymous volumes not used by at least one container'] : []),
    all ? 'all images without at least one container associated to them' : 'all dangling images',
    all ? 'all build cache' : 'unused build cache',
  ];
}

export async function systemPrune(opts: { all: boolean; volumes: boolean; filters?: string[] }, paths: StatePaths = statePaths()): Promise<SystemPruneResult> {
  const filters = parsePruneFilters(opts.filters ?? []);
  let reclaimed = 0;
  for (const c of await listContainers(true)) {
    if (c.status !== 'running') reclaimed += await treeSize(containerDirs(paths, c.id).upper).catch(() => 0);
  }
  const containers = await pruneContainers();
  const networks = await pruneNetworks();
  let volumes: string[] = [];
  if (opts.volumes) {
    const v = await pruneVolumes(false);
    volumes = v.removed;
    reclaimed += v.bytes;
  }
  const images = await pruneImagesIn(paths, opts.all, filters);
  reclaimed += images.reclaimed;
  return { containers, networks, volumes, images: images.lines, reclaimed };
}
