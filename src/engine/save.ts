import type { Writable } from 'node:stream';
import { statePaths, type StatePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { saveImages, type SaveFormat } from '../image/save/index.js';

/** `minibox save [-o FILE] [--format docker|oci] IMAGE…`: the archive to a file or a stream. */
export type { SaveFormat } from '../image/save/index.js';

export interface SaveRequest {
  images: string[];
  format?: string;
  output?: string; // a file; otherwise `stream`
  stream?: Writable;
}

export function parseSaveFormat(format: string | undefined): SaveFormat {
  if (format === undefined || format === 'docker' || format === 'docker-archive') return 'docker';
  if (format === 'oci' || format === 'oci-archive') return 'oci';
  throw new MiniboxError(`invalid --format ${JSON.stringify(format)}: use docker or oci`, 1);
}

export async function save(req: SaveRequest, paths: StatePaths = statePaths()): Promise<void> {
  const format = parseSaveFormat(req.format);
  if (req.output !== undefined) return saveImages(paths, req.images, { format, output: { file: req.output } });
  if (!req.stream) throw new MiniboxError('save needs an output file or stream', 1);
  return saveImages(paths, req.images, { format, output: { stream: req.stream } });
}
