import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RegistryClient } from '../../registry/client.js';
import { MEDIA_TYPES } from '../../oci-format/media-types.js';
import { hostPlatform, type Descriptor, type Platform } from '../../oci-format/descriptor.js';
import { compressionOf, type LayerCompression } from '../../layer/unpack.js';
import { ensureStoreDir, type StatePaths } from '../../util/paths.js';
import { MiniboxError, describe } from '../../util/errors.js';
import { hasBlob } from '../blobs.js';
import { parseImageConfig, type ImageConfig } from '../config.js';
import { shortId } from '../../oci-format/digest.js';
import { readImageRecord, readRef, withImageStoreLock } from '../index-store.js';
import type { LayerFs } from '../../layer/syscalls.js';
import { commitImages } from '../load/commit.js';
import { Staging, type ImageLayer } from '../load/staging.js';
import { familiarName, parseReference, referenceString, withDefaultTag, type ImageReference } from '../../oci-format/reference.js';
import { chainIds, hasSnapshot } from '../snapshots.js';
import { removeStaleScratch, scratchName } from '../tmp-dirs.js';
import type { LayerStatus, PullListener } from './events.js';
import { releaseUnused, writeLease } from './lease.js';
import { pullLayer, type LayerJob, type StagedLayer } from './layer.js';
import { fetchManifest, openPullSource, type PullSource, type RegistrySettings } from './source.js';

export type { PullEvent, PullListener, LayerStatus } from './events.js';
export type { RegistrySettings } from './source.js';

/**
 * `minibox pull`: reference → manifest (through an index for our platform) → config →
 * layers, three at a time, each streamed into a verified blob and its snapshot at once and
 * committed as soon as both check out; then the image record and the tag, under the store
 * lock, by the same commit code as `load`. An image already complete in the store is not
 * touched beyond its tag, as in Docker ("Image is up to date").
 */
export interface PullOptions {
  platform?: Platform;
  layerFs?: LayerFs;
  onEvent?: PullListener;
  concurrency?: number;
  /** For tests: a client to use instead of one with the stored login. */
  client?: RegistryClient;
  /** Mirrors and insecure registries (the engine reads them from the configuration file). */
  registry?: RegistrySettings;
}

export interface PullResult {
  imageId: string;
  name: string; // normalised: docker.io/library/busybox:latest
  digest: string; // what the reference resolved to (an index for multi-platform images)
  upToDate: boolean;
  downloadedLayers: number;
}

const MAX_CONFIG_BYTES = 8 << 20;

/** `linux/arm64/v8` → a Platform; Docker's error wording for a bad one. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant, ...rest] = s.toLowerCase().split('/');
  if (!os || !architecture || rest.length > 0) {
    throw new MiniboxError(`"${s}": unknown operating system or architecture: invalid argument`);
  }
  return { os, architecture, ...(variant ? { variant } : {}) };
}

async function readConfig(client: RegistryClient, ref: ImageReference, desc: Descriptor): Promise<{ bytes: Buffer; config: ImageConfig }> {
  if (desc.size > MAX_CONFIG_BYTES) throw new MiniboxError(`image config ${desc.digest} is too large (${desc.size} bytes)`);
  const chunks: Buffer[] = [];
  for await (const c of client.blob(ref.path, desc.digest, { size: desc.size })) chunks.push(c as Buffer);
  const bytes = Buffer.concat(chunks);
  try {
    return { bytes, config: parseImageConfig(JSON.parse(bytes.toString('utf8')) as unknown) };
  } catch (err) {
    throw new MiniboxError(`invalid image config ${desc.digest}: ${describe(err)}`);
  }
}

/** Run `fn` over `items`, at most `limit` at once; the first failure stops new starts. */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw pickError(errors);
}

/** Of several layers' failures, the one that explains most (a cancellation explains nothing). */
function pickError(errors: unknown[]): unknown {
  return errors.find((e) => !(e instanceof Error && / cancelled$/.test(e.message))) ?? errors[0];
}

export async function pullImage(paths: StatePaths, input: string, opts: PullOptions = {}): Promise<PullResult> {
  const emit: PullListener = opts.onEvent ?? (() => {});
  const platform = opts.platform ?? hostPlatform(); // linux/amd64 here, as Docker picks the host's
  let ref = parseReference(input);
  if (!ref.tag && !ref.digest) {
    emit({ kind: 'default-tag', tag: 'latest' });
    ref = withDefaultTag(ref);
  }
  const name = referenceString(ref);
  const wanted = ref.digest ?? ref.tag ?? 'latest';
  await removeStaleScratch(paths).catch(() => undefined);

  emit({ kind: 'pulling', reference: wanted, repository: ref.path });
  const source: PullSource = opts.client
    ? { client: opts.client, ...(await fetchManifest(opts.client, ref, wanted, platform)) }
    : await openPullSource(ref, wanted, platform, opts.registry ?? { mirrors: [], insecureRegistries: [] }, emit);
  const { client, top, image } = source;
  const manifest = image.json;
  const { bytes: configBytes, config } = await readConfig(client, ref, manifest.config);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new MiniboxError(`image ${manifest.config.digest}: manifest has ${manifest.layers.length} layers but config lists ${diffIds.length} diff_ids`);
  }
  const chains = chainIds(diffIds);
  const compressions: LayerCompression[] = manifest.layers.map((l) => compressionOf(l.mediaType));
  const imageId = manifest.config.digest;

  const dir = path.join(paths.tmp, scratchName('pull'));
  ensureStoreDir(paths, paths.tmp); // 0700: archive members and staged layers are private
  await fs.mkdir(dir, { mode: 0o700 });
  const staging = new Staging(paths, path.join(dir, 'blobs'), true, opts.layerFs);
  const committed = { chains: [] as string[], blobs: [] as string[] };
  let done = false;
  try {
    // what exists now, checked under the lock that also publishes our lease on it
    const { present, previous, complete } = await withImageStoreLock(paths, async () => {
      await writeLease(dir, { chains, blobs: [imageId, image.digest, ...manifest.layers.map((l) => l.digest)] });
      const present = await Promise.all(chains.map((c) => hasSnapshot(paths, c)));
      const complete = present.every((p) => p) && (await readImageRecord(paths, imageId)) !== undefined && (await hasBlob(paths, imageId));
      return { present, previous: await readRef(paths, name), complete };
    });

    const layers: ImageLayer[] = manifest.layers.map((l, i) => ({
      blob: { digest: l.digest, size: l.size, file: '' },
      mediaType: l.mediaType,
      compression: compressions[i] ?? 'gzip',
      diffId: diffIds[i] ?? '',
      chainId: chains[i] ?? '',
    }));
    const jobs: Array<{ i: number; job: LayerJob }> = [];
    const report = (i: number) => (status: LayerStatus, current?: number, total?: number): void => {
      // an image already complete shows no layer lines, like Docker's "up to date" pulls
      if (complete) return;
      const id = shortId(manifest.layers[i]?.digest ?? '');
      emit({ kind: 'layer', id, status, ...(current !== undefined ? { current } : {}), ...(total !== undefined ? { total } : {}) });
    };
    const concurrency = Math.max(1, opts.concurrency ?? 3);
    manifest.layers.forEach((l, i) => {
      const layer = layers[i] as ImageLayer;
      if (present[i]) {
        staging.adoptSnapshot(layer.chainId, 'existing');
        report(i)('Already exists');
        return;
      }
      report(i)('Pulling fs layer');
      jobs.push({ i, job: { repo: ref.path, digest: l.digest, size: l.size, mediaType: l.mediaType, compression: layer.compression, diffId: layer.diffId, chainId: layer.chainId } });
    });
    jobs.slice(concurrency).forEach(({ i }) => report(i)('Waiting'));

    // one commit at a time: each takes the store lock and publishes what is staged so far
    let commits: Promise<void> = Promise.resolve();
    const commitLayer = (staged: StagedLayer, job: LayerJob): Promise<void> => {
      commits = commits.then(() =>
        withImageStoreLock(paths, async () => {
          staging.adoptBlob(staged.blob);
          staging.adoptSnapshot(job.chainId, staged.snapshot);
          committed.chains.push(job.chainId);
          committed.blobs.push(job.digest);
          await staging.commitContent();
        }),
      );
      return commits;
    };
    const abort = new AbortController();
    await eachLimit(jobs, concurrency, async ({ i, job }) => {
      if (abort.signal.aborted) return;
      try {
        const staged = await pullLayer(job, { client, paths, stagingDir: staging.dir, ...(opts.layerFs ? { layerFs: opts.layerFs } : {}), signal: abort.signal, report: report(i) });
        await commitLayer(staged, job);
        report(i)('Pull complete');
      } catch (err) {
        abort.abort();
        throw err;
      }
    });

    const manifestRef = await staging.blobFromBytes(image.bytes, { digest: image.digest });
    const configRef = await staging.blobFromBytes(configBytes, { digest: imageId });
    committed.blobs.push(image.digest, imageId);
    await commitImages(staging, [
      { names: [name], manifest: manifestRef, manifestMediaType: manifest.mediaType || image.mediaType || MEDIA_TYPES.ociManifest, config: configRef, parsedConfig: config, layers },
    ]);
    done = true;
    const upToDate = previous === imageId;
    emit({ kind: 'digest', digest: top.digest });
    emit({ kind: 'status', upToDate, name: familiarName(ref) });
    emit({ kind: 'done', reference: name, imageId });
    return { imageId, name, digest: top.digest, upToDate, downloadedLayers: jobs.length };
  } finally {
    try {
      if (!done && (committed.chains.length > 0 || committed.blobs.length > 0)) {
        await withImageStoreLock(paths, () => releaseUnused(paths, dir, committed));
      }
    } finally {
      await staging.cleanup();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}
