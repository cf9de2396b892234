import { shortId } from '../../oci-format/digest.js';
import { containerDirs } from '../../container/store.js';
import { INIT_LAYER_FILES } from '../../container/init-layer.js';
import { MiniboxError } from '../../util/errors.js';
import type { StatePaths } from '../../util/paths.js';
import { runContainer } from '../run.js';
import { removeContainer } from '../containers.js';
import { packLayer, type ImageState } from './step-image.js';
import type { LayerRecord } from '../../image/index-store.js';

/**
 * RUN: the command in a minibox container of the step's parent image — the engine's own run
 * path, in the foreground, its output going straight to ours — whose overlay upper dir then
 * becomes the step's layer. The container is removed afterwards (Docker's --rm; a failed one
 * too, unless --rm=false without --force-rm), with its anonymous volumes.
 */
export interface RunStepRequest {
  parent: ImageState;
  argv: string[]; // the shell + the command, or the exec form
  env: string[]; // the build args in scope
  network: string;
  keepContainer: boolean; // --rm=false
  keepFailed: boolean; // --rm=false and no --force-rm
  out: (line: string) => void;
  runOutput?: (chunk: Buffer) => void; // the command's stdout and stderr; default: ours
  epoch?: number;
}

export async function runStep(paths: StatePaths, req: RunStepRequest): Promise<LayerRecord> {
  let id: string | undefined;
  let failed = true;
  try {
    const status = await runContainer({
      image: req.parent.imageId,
      command: req.argv.slice(1),
      entrypoint: req.argv[0] ?? '',
      env: req.env,
      interactive: false,
      autoRemove: false,
      resources: {},
      network: { network: req.network },
      health: { none: true },
      ...(req.runOutput ? { output: req.runOutput } : {}),
      onCreated: (cid) => {
        id = cid;
        req.out(` ---> Running in ${shortId(cid)}`);
      },
    });
    if (status !== 0) throw new MiniboxError(`The command '${req.argv.join(' ')}' returned a non-zero code: ${status}`, 1);
    if (!id) throw new MiniboxError('the RUN container was not created', 1);
    const layer = await packLayer(paths, req.parent, containerDirs(paths, id).upper, {
      kind: 'upper',
      exclude: INIT_LAYER_FILES, // the runtime's placeholders are not the image's (Docker leaves them out too)
      lowerDirs: req.parent.snapshotDirs, // so a bare copied-up /etc holding only them goes too
      ...(req.epoch !== undefined ? { epoch: req.epoch } : {}),
    });
    failed = false;
    return layer;
  } finally {
    if (id && !(failed ? req.keepFailed : req.keepContainer)) {
      // a container the shim refused is already gone (run removes it): the first error is the one to report
      const removed = await removeContainer(id, true, true).then(
        () => true,
        (err: unknown) => {
          if (!failed) throw err;
          return false;
        },
      );
      if (removed && !failed) req.out(` ---> Removed intermediate container ${shortId(id)}`);
    }
  }
}
