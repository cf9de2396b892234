import { statePaths, type StatePaths } from '../util/paths.js';
import type { ImageRecord } from '../image/index-store.js';
import { listRefs } from '../image/index-store.js';
import { treeSize } from '../image/snapshots.js';
import { containerDirs } from '../container/store.js';
import { listVolumes, volumeSize } from '../volume/store.js';
import { familiarRepository, parseReference } from '../oci-format/reference.js';
import { listContainers } from './containers.js';
import { volumeUsers } from './volume-admin.js';
import { imageGraph, type ImageGraph } from './image-prune.js';

/**
 * `minibox system df [-v]`: what the store holds, as Docker's daemon counts it.
 *   Images       every image but the build cache's intermediates; SIZE the layers on disk
 *                (each snapshot once), RECLAIMABLE the unique bytes of images no container uses
 *   Containers   upper dirs; active = running; the others reclaimable
 *   Local Volumes  data bytes; volumes no container mounts are reclaimable
 *   Build Cache  the untagged images the build cache names (each a step's result); SIZE the
 *                snapshots only they have; active = still on the way to a live image
 * Numbers only; the CLI formats them.
 */
export interface DfRow {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface DfImage {
  repository: string;
  tag: string;
  id: string;
  created?: string;
  size: number;
  sharedSize: number;
  containers: number;
}

export interface DfContainer {
  id: string;
  image: string;
  size: number;
  created: string;
  status: string;
  name: string;
}

export interface DfVolume {
  name: string;
  links: number;
  size: number;
}

export interface DiskUsage {
  images: DfRow & { items: DfImage[] };
  containers: DfRow & { items: DfContainer[] };
  volumes: DfRow & { items: DfVolume[] };
  buildCache: DfRow & { items: Array<{ id: string; size: number; created?: string; inUse: boolean }> };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Bytes of the distinct snapshots of `records`, leaving out those `except` have too. */
function layerBytes(records: ImageRecord[], except: ImageRecord[] = []): number {
  const skip = new Set(except.flatMap((r) => r.layers.map((l) => l.chainId)));
  const seen = new Map<string, number>();
  for (const r of records) for (const l of r.layers) if (!skip.has(l.chainId)) seen.set(l.chainId, l.unpackedSize);
  return sum([...seen.values()]);
}

async function imageUsage(paths: StatePaths, g: ImageGraph, containerCount: Map<string, number>): Promise<{ images: DiskUsage['images']; buildCache: DiskUsage['buildCache'] }> {
  const isIntermediate = (r: ImageRecord): boolean => g.cacheImages.has(r.id) && !g.tagged.has(r.id) && !g.used.has(r.id);
  const images = g.records.filter((r) => !isIntermediate(r));
  const intermediates = g.records.filter(isIntermediate);
  const refs = await listRefs(paths);
  const items: DfImage[] = images.map((r) => {
    const others = images.filter((o) => o !== r);
    const shared = layerBytes([r]) - layerBytes([r], others);
    const name = refs.find((x) => x.imageId === r.id);
    const parsed = name ? parseReference(name.ref) : undefined;
    return {
      repository: parsed ? familiarRepository(parsed) : '<none>',
      tag: parsed?.tag ?? '<none>',
      id: r.id,
      ...(r.created ? { created: r.created } : {}),
      size: r.size,
      sharedSize: shared,
      containers: containerCount.get(r.id) ?? 0,
    };
  });
  const cacheItems = intermediates.map((r) => ({ id: r.id, size: layerBytes([r], images), ...(r.created ? { created: r.created } : {}), inUse: g.kept.has(r.id) }));
  const idle = intermediates.filter((r) => !g.kept.has(r.id));
  return {
    images: {
      total: images.length,
      active: items.filter((i) => i.containers > 0).length,
      size: layerBytes(images),
      reclaimable: sum(items.filter((i) => i.containers === 0).map((i) => i.size - i.sharedSize)),
      items,
    },
    buildCache: {
      total: intermediates.length,
      active: intermediates.length - idle.length,
      size: layerBytes(intermediates, images),
      reclaimable: layerBytes(idle, [...images, ...intermediates.filter((r) => g.kept.has(r.id))]),
      items: cacheItems,
    },
  };
}

async function containerUsage(paths: StatePaths): Promise<{ row: DiskUsage['containers']; counts: Map<string, number> }> {
  const items: DfContainer[] = [];
  const counts = new Map<string, number>();
  for (const c of await listContainers(true)) {
    const size = await treeSize(containerDirs(paths, c.id).upper).catch(() => 0);
    items.push({ id: c.id, image: c.image, size, created: c.created, status: c.status, name: c.name });
    counts.set(c.imageId, (counts.get(c.imageId) ?? 0) + 1);
  }
  const idle = items.filter((c) => c.status !== 'running');
  return {
    row: { total: items.length, active: items.length - idle.length, size: sum(items.map((c) => c.size)), reclaimable: sum(idle.map((c) => c.size)), items },
    counts,
  };
}

async function volumeUsage(paths: StatePaths): Promise<DiskUsage['volumes']> {
  const users = await volumeUsers(paths);
  const items = (await listVolumes(paths)).map((v) => ({ name: v.name, links: users.get(v.name)?.length ?? 0, size: volumeSize(paths, v.name) }));
  const idle = items.filter((v) => v.links === 0);
  return { total: items.length, active: items.length - idle.length, size: sum(items.map((v) => v.size)), reclaimable: sum(idle.map((v) => v.size)), items };
}

export async function diskUsage(paths: StatePaths = statePaths()): Promise<DiskUsage> {
  const { row: containers, counts } = await containerUsage(paths);
  const { images, buildCache } = await imageUsage(paths, await imageGraph(paths), counts);
  return { images, containers, volumes: await volumeUsage(paths), buildCache };
}
