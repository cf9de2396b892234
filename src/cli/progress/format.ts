import { humanSize } from '../format/bytes.js';
import type { PullEvent } from '../../engine/pull.js';

/**
 * Docker's pull progress text (moby's jsonmessage.JSONProgress.String): go-units
 * HumanSize (decimal units, 4 significant digits: 12.3MB, 3.146MB), a 50-wide bar
 * `[====>   ] ` when the terminal is wider than 110 columns, `%8v/%v` sizes, and the time
 * left when wider than 50.
 */
/** go-units HumanSize (HumanSizeWithPrecision(size, 4)). */
export function progressSize(bytes: number): string {
  return humanSize(bytes, 4);
}

export const BAR_WIDTH = 50;

/** `[=====>       ] ` : one '=' per 2 %, then '>', padded to 50. */
export function progressBar(current: number, total: number): string {
  let filled = total > 0 ? Math.trunc(Math.trunc((current / total) * 100) / 2) : 0;
  filled = Math.min(BAR_WIDTH, Math.max(0, filled));
  return `[${'='.repeat(filled)}>${' '.repeat(BAR_WIDTH - filled)}] `;
}

/** Go's time.Duration.String() for whole seconds: 0s, 42s, 1m5s, 2h0m3s. */
export function goDuration(seconds: number): string {
  const s = Math.max(0, Math.trunc(seconds));
  const h = Math.trunc(s / 3600);
  const m = Math.trunc((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

export interface ProgressOptions {
  columns: number; // terminal width
  elapsedMs?: number; // since this layer's transfer started, for the time left
}

/** The progress part after the status, e.g. `[=====>   ]  12.3MB/45.6MB 3s`; '' with nothing to show. */
export function progressText(current: number, total: number | undefined, opts: ProgressOptions): string {
  if (current <= 0 && (total ?? 0) <= 0) return '';
  const cur = progressSize(current).padStart(8);
  if (total === undefined || total <= 0) return cur;
  const bar = opts.columns > 110 ? progressBar(current, total) : '';
  const numbers = current > total ? cur : `${cur}/${progressSize(total)}`;
  let left = '';
  if (current > 0 && current < total && opts.elapsedMs !== undefined && opts.elapsedMs > 0 && opts.columns > 50) {
    left = ` ${goDuration(((total - current) * (opts.elapsedMs / current)) / 1000)}`;
  }
  return bar + numbers + left;
}

/** `9ad63333ebc9: Downloading [==>   ]  1.2MB/3.4MB` or `9ad63333ebc9: Pull complete`. */
export function layerLine(id: string, status: string, progress = ''): string {
  return progress ? `${id}: ${status} ${progress}` : `${id}: ${status}`;
}

/** The line a non-layer event prints, or undefined for events that print nothing. */
export function messageLine(e: Exclude<PullEvent, { kind: 'layer' }>): string | undefined {
  switch (e.kind) {
    case 'not-found-locally':
      return `Unable to find image '${e.name}' locally`;
    case 'default-tag':
      return `Using default tag: ${e.tag}`;
    case 'pulling':
      return `${e.reference}: Pulling from ${e.repository}`;
    case 'digest':
      return `Digest: ${e.digest}`;
    case 'status':
      return e.upToDate ? `Status: Image is up to date for ${e.name}` : `Status: Downloaded newer image for ${e.name}`;
    case 'done':
      return undefined; // `pull` prints the full name itself; `run` does not
    case 'note':
      return e.message; // `run` draws on stderr; `pull` sends notes to stderr itself
  }
}
