import type { OciSpec } from './spec.js';
import { MiniboxError } from '../util/errors.js';

/**
 * Container labels (`--label/-l K=V`, `--label-file`): label files first, then the flags,
 * a later key winning; a bare `K` is an empty value (a bare key in a file is dropped, as
 * Docker's ReadKVStrings does). The image's labels are kept unless a flag sets the key.
 * Recorded in config.json's annotations (one JSON map), shown by inspect as Config.Labels.
 */
const LABELS_ANNOTATION = 'io.minibox.labels';

export function parseLabels(fileEntries: string[], flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of [...fileEntries, ...flags]) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    if (key === '') throw new MiniboxError(`invalid argument "${entry}" for "--label" flag: invalid label format`);
    out[key] = eq === -1 ? '' : entry.slice(eq + 1);
  }
  return out;
}

/** Docker's create: the image's labels under the container's own. */
export function mergeImageLabels(image: Record<string, string> | undefined, own: Record<string, string>): Record<string, string> {
  return { ...(image ?? {}), ...own };
}

export function withLabels(spec: OciSpec, labels: Record<string, string>): OciSpec {
  if (Object.keys(labels).length === 0) return spec;
  return { ...spec, annotations: { ...spec.annotations, [LABELS_ANNOTATION]: JSON.stringify(labels) } };
}

/** The recorded labels; {} when none (or a hand-edited annotation that is not a string map). */
export function labelsOf(spec: OciSpec): Record<string, string> {
  const raw = spec.annotations[LABELS_ANNOTATION];
  if (!raw) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** `ps --filter label=K` (has the key) or `label=K=V` (that value). */
export function matchesLabelFilter(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
