import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ensureStoreDir, statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError, errnoCode } from '../util/errors.js';
import type { JsonObject } from '../util/json.js';
import { isObject } from '../util/json.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { readSpec } from '../container/spec-read.js';
import { lowerDirsOf, userOf, type OciSpec } from '../container/spec.js';
import { labelsOf } from '../container/labels.js';
import { INIT_LAYER_FILES } from '../container/init-layer.js';
import { readHostConfig, type HostConfig } from '../container/hostconfig.js';
import { processConfigFields } from '../container/inspect-config.js';
import { parsePortSpec } from '../network/port-specs.js';
import { parseImageConfig, type ImageConfig, type ImageRuntimeConfig } from '../image/config.js';
import { parseHistory, readImageConfigJson, type HistoryEntry } from '../image/image-history.js';
import { discardLayer, storeLayer } from '../image/new-layer.js';
import { tagRef, writeImage } from '../image/new-image.js';
import type { LayerRecord } from '../image/index-store.js';
import { scratchName } from '../image/tmp-dirs.js';
import { packDirectory, type PackedLayer } from '../layer/pack.js';
import type { RuntimeConfig } from '../build/image-state.js';
import { applyChanges } from './commit-changes.js';
import { reconcile } from './containers.js';
import { whileFrozen } from './pause.js';

/**
 * `minibox commit`: a container's changes as a new image, as Docker's commit makes it. The
 * container's overlay upper dir is packed into a layer (layer/pack.ts; a running container
 * is frozen meanwhile unless --pause=false), stored above its image's layers, and the new
 * config is the container's — its command, environment, working dir, user, labels, stop
 * signal, the ports -p published, its anonymous -v volumes, its healthcheck, over the
 * image's (moby daemon/commit.go: the container's Config, which create merged the image's
 * into, then the changes, then the image's again where the container has none) — with the
 * -c changes applied on top, the image's history plus one entry (created_by:
 * the container's command, Docker's wording). A container that changed nothing adds an
 * `empty_layer` entry and no layer, as Docker does. The runtime's /etc/hosts, hostname and
 * resolv.conf placeholders are never committed (Docker keeps them in its init layer).
 */
export interface CommitOptions {
  author?: string;
  message?: string;
  changes: string[];
  pause: boolean;
  repository?: string; // REPOSITORY[:TAG]
}

/**
 * The container records argv only: split it back into Entrypoint and Cmd against the
 * image's Entrypoint (still the prefix unless --entrypoint replaced it). The committed
 * image runs the same argv either way.
 */
export function splitArgs(args: string[], image: ImageRuntimeConfig): { Entrypoint?: string[]; Cmd?: string[] } {
  const ep = image.Entrypoint ?? [];
  if (ep.length > 0 && ep.length <= args.length && ep.every((a, i) => a === args[i])) {
    const cmd = args.slice(ep.length);
    return { Entrypoint: ep, ...(cmd.length > 0 ? { Cmd: cmd } : {}) };
  }
  if (ep.length > 0 && args.length > 0) {
    const cmd = args.slice(1);
    return { Entrypoint: [args[0] ?? ''], ...(cmd.length > 0 ? { Cmd: cmd } : {}) };
  }
  return args.length > 0 ? { Cmd: args } : {};
}

/** Docker's container Config as far as minibox records it, over the image's config section. */
export function containerConfig(imageSection: JsonObject, image: ImageRuntimeConfig, spec: OciSpec, hc: HostConfig): RuntimeConfig {
  const imageHasHostname = (image.Env ?? []).some((e) => e.startsWith('HOSTNAME='));
  // HOSTNAME is the runtime's (resolveEnv), not part of the container's config
  const env = spec.process.env.filter((e) => imageHasHostname || e !== `HOSTNAME=${spec.hostname}`);
  const { Entrypoint: _e, Cmd: _c, ...rest } = imageSection;
  const out: RuntimeConfig = { ...rest, Env: env, ...splitArgs(spec.process.args, image) };
  const user = userOf(spec);
  if (user !== undefined || image.User !== undefined) out.User = user ?? '';
  if (spec.process.cwd !== '/' || image.WorkingDir !== undefined) out.WorkingDir = spec.process.cwd;
  const labels = labelsOf(spec);
  // image labels the container does not override stay (daemon/commit.go merge)
  if (Object.keys(labels).length > 0) out.Labels = { ...(image.Labels ?? {}), ...labels };
  if (hc.stopSignal !== 'SIGTERM' || image.StopSignal !== undefined) out.StopSignal = hc.stopSignal;
  // what run added to the container's Config (Docker's CLI puts -p's ports in ExposedPorts,
  // anonymous -v volumes in Volumes, --health-* in Healthcheck; the daemon merged the image's in)
  const ports = runExposedPorts(hc);
  if (ports.length > 0) out.ExposedPorts = { ...(image.ExposedPorts ?? {}), ...Object.fromEntries(ports.map((p) => [p, {}])) };
  const volumes = anonymousVolumes(hc);
  if (volumes.length > 0) out.Volumes = { ...(image.Volumes ?? {}), ...Object.fromEntries(volumes.map((v) => [v, {}])) };
  const health = processConfigFields(hc).Healthcheck;
  if (health !== undefined) out.Healthcheck = health;
  return out;
}

/** The container ports -p published ("80/tcp"), which Docker's CLI also exposes. */
function runExposedPorts(hc: HostConfig): string[] {
  const keys = new Set<string>();
  for (const raw of hc.network?.publish ?? []) for (const p of parsePortSpec(raw)) keys.add(`${p.containerPort}/${p.proto}`);
  return [...keys];
}

/** `-v /path` (no source): the anonymous volumes, which Docker's CLI records in Config.Volumes. */
function anonymousVolumes(hc: HostConfig): string[] {
  return (hc.storage?.volumes ?? []).filter((v) => !v.includes(':') && v.startsWith('/')).map((v) => path.posix.normalize(v));
}

async function packUpper(paths: StatePaths, id: string, lowerDirs: string[], running: boolean, pause: boolean): Promise<PackedLayer> {
  ensureStoreDir(paths, paths.tmp);
  const out = path.join(paths.tmp, `${scratchName('commit')}.tgz`);
  let upper = containerDirs(paths, id).upper;
  let emptyDir: string | undefined;
  try {
    await fs.access(upper);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    emptyDir = path.join(paths.tmp, scratchName('commit-empty')); // never started: no changes
    await fs.mkdir(emptyDir, { mode: 0o700 });
    upper = emptyDir;
  }
  const pack = () => packDirectory(upper, out, { kind: 'upper', exclude: INIT_LAYER_FILES, lowerDirs });
  try {
    return running && pause ? await whileFrozen(id, pack) : await pack();
  } finally {
    if (emptyDir) await fs.rm(emptyDir, { recursive: true, force: true });
  }
}

function historyEntry(created: string, createdBy: string, opts: CommitOptions, empty: boolean): HistoryEntry {
  return {
    created,
    created_by: createdBy,
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.message ? { comment: opts.message } : {}),
    ...(empty ? { empty_layer: true } : {}),
  };
}

/** The new image's config JSON: the image's platform and history, the container's config, one step more. */
function imageConfigOf(
  parent: JsonObject,
  image: ImageConfig,
  config: RuntimeConfig,
  step: { id: string; createdBy: string; layers: LayerRecord[]; empty: boolean },
  opts: CommitOptions,
): object {
  const created = new Date().toISOString();
  return {
    architecture: image.architecture,
    ...(typeof parent['variant'] === 'string' ? { variant: parent['variant'] } : {}),
    os: image.os,
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.message ? { comment: opts.message } : {}),
    created,
    config,
    container: step.id,
    history: [...parseHistory(parent), historyEntry(created, step.createdBy, opts, step.empty)],
    rootfs: { type: 'layers', diff_ids: step.layers.map((l) => l.diffId) },
  };
}

/** REPOSITORY[:TAG] checked before any work; a bad one exits 1, as Docker's CLI does. */
function tagOf(repository: string): string {
  try {
    return tagRef(repository);
  } catch (err) {
    if (err instanceof MiniboxError) throw new MiniboxError(err.message, 1, { cause: err });
    throw err;
  }
}

/** Returns the new image's ID (`sha256:<hex>`). */
export async function commitContainer(ref: string, opts: CommitOptions): Promise<string> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, ref));
  const tags = opts.repository ? [tagOf(opts.repository)] : [];
  const dir = containerDirs(paths, state.id).dir;
  const [spec, hc, parent] = await Promise.all([readSpec(dir), readHostConfig(dir), readImageConfigJson(paths, state.imageId)]);
  const image = parseImageConfig(parent.config);
  const section = isObject(parent.config['config']) ? parent.config['config'] : {};
  const own = containerConfig(section, image.config, spec, hc);
  const config = applyChanges(own, opts.changes); // bad -c fails here, before anything is written

  const packed = await packUpper(paths, state.id, lowerDirsOf(spec), state.status === 'running', opts.pause);
  let layer: LayerRecord | undefined;
  if (packed.emptyLayer) await fs.rm(packed.file, { force: true });
  else layer = await storeLayer(paths, packed, parent.record.layers.at(-1)?.chainId);

  const layers = layer ? [...parent.record.layers, layer] : parent.record.layers;
  const newConfig = imageConfigOf(parent.config, image, config, { id: state.id, createdBy: (own.Cmd ?? []).join(' '), layers, empty: layer === undefined }, opts);
  try {
    return (await writeImage(paths, { config: newConfig, layers, tags })).id;
  } catch (err) {
    if (layer) await discardLayer(paths, layer).catch(() => undefined);
    if (err instanceof MiniboxError) throw err;
    throw new MiniboxError(`commit ${state.id.slice(0, 12)}: ${(err as Error).message}`, 1, { cause: err });
  }
}
