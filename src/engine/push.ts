import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { shortId } from '../oci-format/digest.js';
import { familiarRepository, parseReference, referenceString, repositoryName, type ImageReference } from '../oci-format/reference.js';
import { listImageRecords, listRefs, readRef } from '../image/index-store.js';
import { imageContent, openBlob, type ContentLayer } from '../image/save/image-content.js';
import { RegistryClient, type UploadOutcome } from '../registry/client.js';
import { chunkBytesFromEnv } from '../registry/blob-upload.js';
import { readDaemonConfig } from '../util/daemon-config.js';

/**
 * `minibox push NAME[:TAG]` / `push -a NAME`, as Docker's distribution pusher does it: the
 * layers top first ("Preparing"), five at a time ("Waiting" for the rest), each one skipped
 * when the repository has it, mounted from another repository of the same registry that the
 * store knows holds it, or uploaded from its blob file; then the config and the manifest
 * under the tag. Output is events; the CLI prints Docker's lines.
 */
export type PushLayerStatus = 'Preparing' | 'Waiting' | 'Pushing' | 'Pushed' | 'Layer already exists' | `Mounted from ${string}`;

export type PushEvent =
  | { kind: 'default-tag'; tag: string }
  | { kind: 'refers'; repository: string }
  | { kind: 'layer'; id: string; status: PushLayerStatus; current?: number; total?: number }
  | { kind: 'digest'; tag: string; digest: string; size: number };

export type PushListener = (e: PushEvent) => void;

export interface PushRequest {
  name: string;
  allTags?: boolean;
  onEvent?: PushListener;
  /** For tests: a client instead of one with the stored login. */
  client?: RegistryClient;
}

export interface PushedTag {
  tag: string;
  digest: string;
  size: number;
}

/** Docker's max-concurrent-uploads default, and its limit on mount attempts per layer. */
const CONCURRENT_UPLOADS = 5;
const MAX_MOUNT_ATTEMPTS = 3;

function notLocal(ref: ImageReference): MiniboxError {
  return new MiniboxError(`An image does not exist locally with the tag: ${familiarRepository(ref)}`, 1);
}

/** The (normalised ref, image id) pairs to push: one tag, or every tag of the repository with -a. */
async function tagsToPush(paths: StatePaths, ref: ImageReference, all: boolean): Promise<Array<{ tag: string; imageId: string }>> {
  if (!all) {
    const imageId = await readRef(paths, referenceString(ref));
    if (!imageId) throw notLocal(ref);
    return [{ tag: ref.tag ?? 'latest', imageId }];
  }
  const repo = repositoryName(ref);
  const out: Array<{ tag: string; imageId: string }> = [];
  for (const r of await listRefs(paths)) {
    const parsed = parseReference(r.ref);
    if (repositoryName(parsed) === repo && parsed.tag && !parsed.digest) out.push({ tag: parsed.tag, imageId: r.imageId });
  }
  if (out.length === 0) throw notLocal(ref);
  return out.sort((a, b) => a.tag.localeCompare(b.tag));
}

/** blob digest → other repositories of this registry that the store has images of holding it. */
async function mountSources(paths: StatePaths, ref: ImageReference): Promise<Map<string, string[]>> {
  const records = new Map((await listImageRecords(paths)).map((r) => [r.id, r]));
  const out = new Map<string, string[]>();
  for (const r of await listRefs(paths)) {
    const parsed = parseReference(r.ref);
    if (parsed.domain !== ref.domain || parsed.path === ref.path) continue;
    for (const l of records.get(r.imageId)?.layers ?? []) {
      const list = out.get(l.digest) ?? [];
      if (!list.includes(parsed.path)) list.push(parsed.path);
      out.set(l.digest, list);
    }
  }
  return out;
}

function statusOf(outcome: UploadOutcome): PushLayerStatus {
  if (outcome.kind === 'exists') return 'Layer already exists';
  if (outcome.kind === 'mounted') return `Mounted from ${outcome.from}`;
  return 'Pushed';
}

/** Run `fn` over `items`, at most `limit` at once; the first failure is thrown after the rest settle. */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}

interface PushContext {
  paths: StatePaths;
  client: RegistryClient;
  ref: ImageReference;
  emit: PushListener;
  chunkBytes: number;
  sources: Map<string, string[]>;
  done: Map<string, PushLayerStatus>; // layers this push already settled (a second tag reuses them)
}

async function pushLayers(c: PushContext, layers: ContentLayer[]): Promise<void> {
  const topFirst = [...layers].reverse();
  const ids = topFirst.map((l) => shortId(l.diffId));
  ids.forEach((id) => c.emit({ kind: 'layer', id, status: 'Preparing' }));
  ids.slice(CONCURRENT_UPLOADS).forEach((id) => c.emit({ kind: 'layer', id, status: 'Waiting' }));
  await eachLimit(topFirst.map((l, i) => ({ l, id: ids[i] ?? '' })), CONCURRENT_UPLOADS, async ({ l, id }) => {
    if (c.done.has(l.digest)) {
      c.emit({ kind: 'layer', id, status: 'Layer already exists' });
      return;
    }
    const outcome = await c.client.uploadBlob(
      c.ref.path,
      { digest: l.digest, size: l.size, open: (start, end) => openBlob(c.paths, l.digest, start, end) },
      {
        chunkBytes: c.chunkBytes,
        mountFrom: (c.sources.get(l.digest) ?? []).slice(0, MAX_MOUNT_ATTEMPTS),
        onProgress: (current, total) => c.emit({ kind: 'layer', id, status: 'Pushing', current, total }),
      },
    );
    const status = statusOf(outcome);
    c.done.set(l.digest, status);
    c.emit({ kind: 'layer', id, status });
  });
}

async function pushTag(c: PushContext, tag: string, imageId: string): Promise<PushedTag> {
  const content = await imageContent(c.paths, imageId, `${familiarRepository(c.ref)}:${tag}`);
  await pushLayers(c, content.layers);
  await c.client.pushBlob(c.ref.path, content.configBytes);
  const { bytes, mediaType } = content.manifest;
  const digest = await c.client.pushManifest(c.ref.path, tag, bytes, mediaType);
  c.emit({ kind: 'digest', tag, digest, size: bytes.length });
  return { tag, digest, size: bytes.length };
}

export async function push(req: PushRequest, paths: StatePaths = statePaths()): Promise<{ name: string; pushed: PushedTag[] }> {
  const emit = req.onEvent ?? (() => {});
  let ref = parseReference(req.name);
  if (ref.digest) throw new MiniboxError('cannot push a digest reference', 1);
  if (req.allTags && ref.tag) throw new MiniboxError("tag can't be used with --all-tags/-a", 1);
  if (!req.allTags && !ref.tag) {
    ref = { ...ref, tag: 'latest' };
    emit({ kind: 'default-tag', tag: 'latest' });
  }
  emit({ kind: 'refers', repository: repositoryName(ref) }); // Docker says it before looking the tag up
  const tags = await tagsToPush(paths, ref, req.allTags === true);
  // the configuration's insecure-registries, as for a pull: plain http (or unverified TLS) to them
  const client = req.client ?? (await RegistryClient.withStoredLogin({ host: ref.domain, insecureRegistries: (await readDaemonConfig()).insecureRegistries }));
  const c: PushContext = { paths, client, ref, emit, chunkBytes: chunkBytesFromEnv(), sources: await mountSources(paths, ref), done: new Map() };
  const pushed: PushedTag[] = [];
  for (const { tag, imageId } of tags) pushed.push(await pushTag(c, tag, imageId));
  return { name: referenceString(ref), pushed };
}
