import { statePaths, type StatePaths } from '../util/paths.js';
import { nativeLayerFs } from '../linux/native-layer-fs.js';
import { MiniboxError } from '../util/errors.js';
import { displayName, findImage } from '../image/resolve.js';
import { parsePlatform, pullImage, type PullListener, type PullResult } from '../image/pull/index.js';

/**
 * The pull side of the engine: what `minibox pull` and `run` (for a missing image) call.
 * Progress comes out as typed events (src/image/pull/events.ts); the engine never prints.
 */
export type { PullEvent, PullListener, PullResult, LayerStatus } from '../image/pull/index.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface PullRequest {
  image: string;
  platform?: string; // os/arch[/variant]
  onEvent?: PullListener;
}

export async function pull(req: PullRequest, paths: StatePaths = statePaths()): Promise<PullResult> {
  return pullImage(paths, req.image, {
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
