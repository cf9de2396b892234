import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { listImageRecords, listRefs, type ImageRecord } from '../image/index-store.js';
import { removeImage } from '../image/remove.js';
import { listCache } from '../build/cache.js';
import { listContainerStates } from '../container/state.js';

/**
 * `minibox image prune [-a] [--filter until=…]` and the image side of `system prune`.
 * Docker's rules, with the classic builder's cache in mind:
 *   live           an image with a tag, or one a container (any state) is made from;
 *   kept           live images and every image a build step ran on to make them (the
 *                  build cache's parent links), so the next build still hits its cache;
 *   dangling       untagged, unused and not kept: an old build's leftovers, a retagged
 *                  image's previous self, a cache chain whose final image is gone;
 *   -a             every image no container uses, tagged or not, intermediates included.
 * The store graph below is shared with `system df`.
 */
export interface ImageGraph {
  records: ImageRecord[];
  tagged: Set<string>;
  used: Set<string>; // by a container
  kept: Set<string>;
  cacheImages: Set<string>; // images a build cache entry names (step results and parents)
}

export async function imageGraph(paths: StatePaths): Promise<ImageGraph> {
  const records = await listImageRecords(paths);
  const exists = new Set(records.map((r) => r.id));
  const tagged = new Set((await listRefs(paths)).map((r) => r.imageId).filter((id) => exists.has(id)));
  const used = new Set((await listContainerStates(paths.containers)).map((c) => c.imageId).filter((id) => exists.has(id)));
  const entries = await listCache(paths);
  const parentOf = new Map<string, string[]>();
  for (const e of entries) if (e.parent) parentOf.set(e.imageId, [...(parentOf.get(e.imageId) ?? []), e.parent]);
  const kept = new Set<string>();
  const visit = (id: string): void => {
    if (kept.has(id) || !exists.has(id)) return;
    kept.add(id);
    for (const p of parentOf.get(id) ?? []) visit(p);
  };
  for (const id of [...tagged, ...used]) visit(id);
  const cacheImages = new Set(entries.flatMap((e) => [e.imageId, e.parent]).filter((id) => exists.has(id)));
  return { records, tagged, used, kept, cacheImages };
}

export interface PruneFilters {
  until?: number; // ms since the epoch: only images created before
}

/** Go's time.ParseDuration for the units people type (h, m, s, ms). */
function parseDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const)[m[2] as 'h' | 'm' | 's' | 'ms'];
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : undefined;
}

/** `until=` takes a duration before now (24h), a Unix timestamp or an RFC 3339 date, as Docker. */
export function parsePruneFilters(flags: string[], now = Date.now()): PruneFilters {
  const out: PruneFilters = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new MiniboxError('bad format of filter (expected name=value)', 1);
    const key = f.slice(0, eq);
    const value = f.slice(eq + 1);
    if (key !== 'until') throw new MiniboxError(`invalid filter '${key}'`, 1);
    const dur = parseDuration(value);
    const at = dur !== undefined ? now - dur : /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (Number.isNaN(at)) throw new MiniboxError(`failed to parse value as time or duration: "${value}"`, 1);
    out.until = at;
  }
  return out;
}

export interface PruneResult {
  lines: string[]; // Docker's "untagged: …" / "deleted: …"
  reclaimed: number; // bytes of snapshots removed
}

/** Images prune removes, oldest first so a chain goes child before parent is never needed. */
function candidates(g: ImageGraph, all: boolean, filters: PruneFilters): ImageRecord[] {
  return g.records.filter((r) => {
    if (g.used.has(r.id)) return false;
    if (!all && (g.tagged.has(r.id) || g.kept.has(r.id))) return false;
    if (filters.until !== undefined) {
      const created = r.created ? Date.parse(r.created) : NaN;
      if (!(created < filters.until)) return false;
    }
    return true;
  });
}

/** Bytes of the snapshots only `gone` images had (what removing them frees). */
function reclaimedBytes(g: ImageGraph, gone: Set<string>): number {
  const stays = new Set(g.records.filter((r) => !gone.has(r.id)).flatMap((r) => r.layers.map((l) => l.chainId)));
  const freed = new Map<string, number>();
  for (const r of g.records) if (gone.has(r.id)) for (const l of r.layers) if (!stays.has(l.chainId)) freed.set(l.chainId, l.unpackedSize);
  return [...freed.values()].reduce((a, b) => a + b, 0);
}

export async function pruneImagesIn(paths: StatePaths, all: boolean, filters: PruneFilters): Promise<PruneResult> {
  const g = await imageGraph(paths);
  const doomed = candidates(g, all, filters);
  const lines: string[] = [];
  const gone = new Set<string>();
  for (const r of doomed) {
    try {
      // by ID with force: every name goes, then the image unless a container took it meanwhile
      const out = await removeImage(paths, r.id, true, async (id) => (await listContainerStates(paths.containers)).filter((c) => c.imageId === id));
      if (out.includes(`Deleted: ${r.id}`)) gone.add(r.id);
      for (const l of out) lines.push(l.replace(/^Untagged: /, 'untagged: ').replace(/^Deleted: /, 'deleted: '));
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err; // removed meanwhile: nothing to do
    }
  }
  return { lines, reclaimed: reclaimedBytes(g, gone) };
}

export async function pruneImages(all: boolean, filterFlags: string[] = [], paths: StatePaths = statePaths()): Promise<PruneResult> {
  return pruneImagesIn(paths, all, parsePruneFilters(filterFlags));
}
