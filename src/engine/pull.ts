import { statePaths, type StatePaths } from '../util/paths.js';
import { nativeLayerFs } from '../linux/native-layer-fs.js';
import { MiniboxError } from '../util/errors.js';
import { displayName, findImage } from '../image/resolve.js';
import { parsePlatform, pullImage, type PullListener, type PullResult, type RegistrySettings } from '../image/pull/index.js';
import { hubUrlFromEnv, readDaemonConfig } from '../util/daemon-config.js';

/**
 * The pull side of the engine: what `minibox pull`, `run` (for a missing image) and
 * `build` (FROM) call. Progress comes out as typed events (src/image/pull/events.ts); the
 * engine never prints. The registry settings (mirrors, insecure registries) are read here,
 * from the configuration file, only when a pull happens, and handed down as plain options.
 */
export type { PullEvent, PullListener, PullResult, LayerStatus } from '../image/pull/index.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface PullRequest {
  image: string;
  platform?: string; // os/arch[/variant]
  onEvent?: PullListener;
}

/** The registry side of a pull, from the configuration file and the environment. */
export async function registrySettings(env: NodeJS.ProcessEnv = process.env): Promise<RegistrySettings> {
  const config = await readDaemonConfig(env);
  const hubUrl = hubUrlFromEnv(env);
  return { mirrors: config.registryMirrors, insecureRegistries: config.insecureRegistries, ...(hubUrl ? { hubUrl } : {}) };
}

export async function pull(req: PullRequest, paths: StatePaths = statePaths()): Promise<PullResult> {
  return pullImage(paths, req.image, {
    registry: await registrySettings(),
    // whiteouts and opaque dirs need mknod/setxattr: the ffi-rs binding, as for load
    layerFs: nativeLayerFs,
    ...(req.platform !== undefined ? { platform: parsePlatform(req.platform) } : {}),
    ...(req.onEvent ? { onEvent: req.onEvent } : {}),
  });
}

export interface EnsureRequest {
  image: string;
  pull?: PullPolicy; // default: missing
  platform?: string;
  onPullEvent?: PullListener;
}

/**
 * What `run` does before resolving its image: pull it when missing (or always), or refuse
 * with Docker's "No such image" under --pull never.
 */
export async function ensureImage(req: EnsureRequest, paths: StatePaths = statePaths()): Promise<void> {
  const policy = req.pull ?? 'missing';
  if (policy !== 'always') {
    if (await findImage(paths, req.image)) return;
    if (policy === 'never') throw new MiniboxError(`No such image: ${displayName(req.image)}`);
    req.onPullEvent?.({ kind: 'not-found-locally', name: displayName(req.image) });
  }
  await pull({ image: req.image, ...(req.platform !== undefined ? { platform: req.platform } : {}), ...(req.onPullEvent ? { onEvent: req.onPullEvent } : {}) }, paths);
}
