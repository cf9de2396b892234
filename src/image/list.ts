import type { StatePaths } from '../util/paths.js';
import { listImageRecords, listRefs } from './index-store.js';
import { familiarRepository, parseReference } from '../oci-format/reference.js';

/** One row of `minibox images` (formatted by the CLI). */
export interface ImageRow {
  repository: string; // familiar: busybox, or <none>
  tag: string; // or <none>
  imageId: string; // sha256:<hex>
  created?: string;
  size: number;
}

/**
 * The rows of `minibox images`: one per name, one `<none>` row per image without a name,
 * newest first as in Docker. Reads without the store lock: every file is written atomically,
 * and a ref whose record vanished mid-listing (concurrent rmi) is simply skipped.
 */
export async function listImages(paths: StatePaths): Promise<ImageRow[]> {
  const records = new Map((await listImageRecords(paths)).map((r) => [r.id, r]));
  const named = new Set<string>();
  const rows: ImageRow[] = [];
  for (const { ref, imageId } of await listRefs(paths)) {
    const rec = records.get(imageId);
    if (!rec) continue;
    named.add(imageId);
    const parsed = parseReference(ref);
    rows.push({ repository: familiarRepository(parsed), tag: parsed.tag ?? '<none>', imageId, ...(rec.created ? { created: rec.created } : {}), size: rec.size });
  }
  for (const rec of records.values()) {
    if (named.has(rec.id)) continue;
    rows.push({ repository: '<none>', tag: '<none>', imageId: rec.id, ...(rec.created ? { created: rec.created } : {}), size: rec.size });
  }
  const time = (r: ImageRow): number => (r.created ? Date.parse(r.created) || 0 : 0);
  return rows.sort((a, b) => time(b) - time(a) || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
}
