import type { StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { removeBlob } from './blobs.js';
import { shortId } from '../oci-format/digest.js';
import {
  listImageRecords, listRefs, readImageRecord, removeImageRecord, removeRef, withImageStoreLock, type ImageRecord,
} from './index-store.js';
import { familiarName } from '../oci-format/reference.js';
import { displayName, findImage } from './resolve.js';
import { removeSnapshot } from './snapshots.js';

/**
 * `minibox rmi`, with Docker's rules: removing a name untags it; the image itself goes
 * once no name refers to it, together with the blobs and snapshots no other image shares.
 * An image a container uses is never deleted: without -f the removal is refused with
 * Docker's conflict message; with -f only the names go and the image stays as <none>
 * (its snapshots are the container's lower dirs) until a later rmi by ID finds it unused.
 * A built image's untagged intermediates (the build cache's parent links, which the engine
 * hands in) are deleted after it unless a name, a container or another image still holds them.
 * Returns Docker's output lines ("Untagged: …", "Deleted: …"); conflicts throw with exit 1.
 */
/** A container using the image, as far as rmi cares; the engine finds them (image/ knows no containers). */
export interface ImageUser {
  id: string;
  status: string; // 'running' cannot be forced
}

export type ImageUsersOf = (imageId: string) => Promise<ImageUser[]>;

/** A build step's link: `child` was made by a step that ran on `parent` (the engine reads them from build/cache.ts). */
export interface ImageParentLink {
  child: string;
  parent: string;
}

/** What rmi needs to know beyond the image store: who uses an image, and build's parent links. */
interface Holders {
  usersOf: ImageUsersOf;
  links: ImageParentLink[];
}

function conflict(message: string): MiniboxError {
  return new MiniboxError(`conflict: ${message}`, 1);
}

async function deleteImage(paths: StatePaths, record: ImageRecord): Promise<string[]> {
  await removeImageRecord(paths, record.id);
  const others = await listImageRecords(paths);
  const blobsInUse = new Set(others.flatMap((r) => [r.id, r.manifestDigest, ...r.layers.map((l) => l.digest)]));
  const chainsInUse = new Set(others.flatMap((r) => r.layers.map((l) => l.chainId)));
  for (const digest of [record.manifestDigest, record.id, ...record.layers.map((l) => l.digest)]) {
    if (!blobsInUse.has(digest)) await removeBlob(paths, digest);
  }
  const lines = [`Deleted: ${record.id}`];
  for (const l of [...record.layers].reverse()) {
    if (chainsInUse.has(l.chainId)) continue;
    await removeSnapshot(paths, l.chainId);
    lines.push(`Deleted: ${l.chainId}`);
  }
  return lines;
}

/**
 * Docker's classic builder: a deleted image's untagged parent chain goes with it, each parent
 * once nothing else holds it (no name, no container, no other child image still here); the
 * first one held ends the walk quietly, as Docker's parent pruning ignores its conflicts.
 */
async function deleteParents(paths: StatePaths, childId: string, holders: Holders): Promise<string[]> {
  const lines: string[] = [];
  const parentOf = (id: string) => holders.links.find((l) => l.child === id)?.parent;
  const seen = new Set<string>([childId]); // the links come from files: never walk a loop
  for (let id = parentOf(childId); id && !seen.has(id); id = parentOf(id)) {
    seen.add(id);
    const record = await readImageRecord(paths, id);
    if (!record) break;
    if ((await listRefs(paths)).some((r) => r.imageId === id)) break;
    if ((await holders.usersOf(id)).length > 0) break;
    const children = holders.links.filter((l) => l.parent === id).map((l) => l.child);
    const live = await Promise.all(children.map(async (c) => (await readImageRecord(paths, c)) !== undefined));
    if (live.some(Boolean)) break;
    lines.push(...(await deleteImage(paths, record)));
  }
  return lines;
}

async function deleteWithParents(paths: StatePaths, record: ImageRecord, holders: Holders): Promise<string[]> {
  return [...(await deleteImage(paths, record)), ...(await deleteParents(paths, record.id, holders))];
}

async function untag(paths: StatePaths, refs: string[]): Promise<string[]> {
  for (const ref of refs) await removeRef(paths, ref);
  return refs.map((ref) => `Untagged: ${familiarName(ref)}`);
}

/** rmi by name: untag; delete the image if that was its last name and no container uses it. */
async function removeByName(paths: StatePaths, input: string, ref: string, record: ImageRecord, users: ImageUser[], force: boolean, holders: Holders): Promise<string[]> {
  const otherRefs = (await listRefs(paths)).filter((r) => r.imageId === record.id && r.ref !== ref);
  const user = users[0];
  if (otherRefs.length === 0 && user && !force) {
    throw conflict(
      `unable to remove repository reference "${input}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(record.id)}`,
    );
  }
  const lines = await untag(paths, [ref]);
  if (otherRefs.length > 0 || user) return lines;
  return [...lines, ...(await deleteWithParents(paths, record, holders))];
}

/** rmi by ID: all names go with -f (or when there is just one), then the image if unused. */
async function removeById(paths: StatePaths, record: ImageRecord, users: ImageUser[], force: boolean, holders: Holders): Promise<string[]> {
  const refs = (await listRefs(paths)).filter((r) => r.imageId === record.id).map((r) => r.ref);
  const id = shortId(record.id);
  if (refs.length > 1 && !force) throw conflict(`unable to delete ${id} (must be forced) - image is referenced in multiple repositories`);
  const running = users.find((c) => c.status === 'running');
  if (running) throw conflict(`unable to delete ${id} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
  const user = users[0];
  if (user && !force) throw conflict(`unable to delete ${id} (must be forced) - image is being used by stopped container ${shortId(user.id)}`);
  const lines = await untag(paths, refs);
  return user ? lines : [...lines, ...(await deleteWithParents(paths, record, holders))];
}

/** `links`: build's parent links, so a built image's intermediates go with it (none: only the image). */
export async function removeImage(paths: StatePaths, input: string, force: boolean, usersOf: ImageUsersOf, links: ImageParentLink[] = []): Promise<string[]> {
  return withImageStoreLock(paths, async () => {
    const found = await findImage(paths, input);
    const record = found ? await readImageRecord(paths, found.imageId) : undefined;
    if (!found || !record) throw new MiniboxError(`No such image: ${displayName(input)}`, 1);
    const users = await usersOf(record.id);
    const holders = { usersOf, links };
    return found.ref !== undefined
      ? removeByName(paths, input, found.ref, record, users, force, holders)
      : removeById(paths, record, users, force, holders);
  });
}
