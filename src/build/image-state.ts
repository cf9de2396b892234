import { expectObject, isObject, optString, optStringArray, type JsonObject } from '../util/json.js';
import { parseImageConfig } from '../image/config.js';
import { hostPlatform } from '../oci-format/descriptor.js';
import { parseHistory, type HistoryEntry } from '../image/image-history.js';

/**
 * The image a build stage is making, step by step: the base image's config JSON with every
 * field kept (what build does not know passes through), the runtime config the
 * instructions edit, the history and the layers' diff IDs. `imageConfigJson` is what a step's
 * image is written with (new-image.ts).
 */
export interface RuntimeConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  OnBuild?: string[] | null;
  Shell?: string[];
  [key: string]: unknown;
}

export type { HistoryEntry };

export interface StageImage {
  base: JsonObject; // the base config JSON (fields build does not edit pass through)
  config: RuntimeConfig;
  history: HistoryEntry[];
  diffIds: string[];
  author?: string;
  architecture: string;
  os: string;
}

/** FROM scratch: nothing at all. */
export function scratchImage(): StageImage {
  return { base: {}, config: { Env: [DEFAULT_PATH] }, history: [], diffIds: [], architecture: hostPlatform().architecture, os: 'linux' }; // the builder's, as Docker's scratch
}

/** Docker gives a scratch stage PATH (so RUN in a later stage finds its shell). */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';


/** A stored image's config JSON (untrusted: validated like `run` does, plus the build fields). */
export function stageImageOf(json: unknown): StageImage {
  const parsed = parseImageConfig(json); // the shared checks (rootfs, diff_ids, the runtime fields)
  const o = expectObject(json, 'image config');
  const c = isObject(o.config) ? o.config : {};
  const config: RuntimeConfig = { ...c, ...parsed.config };
  const onBuild = optStringArray(c, 'OnBuild', 'image config');
  if (onBuild) config.OnBuild = onBuild;
  const shell = optStringArray(c, 'Shell', 'image config');
  if (shell) config.Shell = shell;
  const author = optString(o, 'author', 'image config');
  return {
    base: o,
    config,
    history: parseHistory(o),
    diffIds: parsed.rootfs.diff_ids,
    ...(author !== undefined ? { author } : {}),
    architecture: parsed.architecture,
    os: parsed.os,
  };
}

/** The OCI image config JSON of a step's image. */
export function imageConfigJson(img: StageImage, created: string): JsonObject {
  const { history: _h, rootfs: _r, config: _c, container_config: _cc, container: _ct, ...rest } = img.base;
  const config = Object.fromEntries(Object.entries(img.config).filter(([, v]) => v !== undefined));
  return {
    ...rest,
    architecture: img.architecture,
    os: img.os,
    created,
    ...(img.author !== undefined ? { author: img.author } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: img.diffIds },
    history: img.history,
  };
}

/** The image after one step: a new runtime config and a history entry (and its layer, if any). */
export function withStep(img: StageImage, step: { config?: RuntimeConfig; history: HistoryEntry; diffId?: string; author?: string }): StageImage {
  return {
    ...img,
    config: step.config ?? img.config,
    history: [...img.history, step.diffId ? step.history : { ...step.history, empty_layer: true }],
    diffIds: step.diffId ? [...img.diffIds, step.diffId] : img.diffIds,
    ...(step.author !== undefined ? { author: step.author } : {}),
  };
}

/** The shell RUN/CMD/ENTRYPOINT shell forms use: SHELL's, else /bin/sh -c. */
export function shellOf(config: RuntimeConfig): string[] {
  return config.Shell && config.Shell.length > 0 ? config.Shell : ['/bin/sh', '-c'];
}
