import type { ImageRuntimeConfig } from '../image/config.js';
import type { OciSpec } from '../container/spec.js';
import { readEnvFiles, readKeyValueFiles } from '../container/env-file.js';
import { mergeImageLabels, parseLabels, withLabels } from '../container/labels.js';
import { checkGroupAdd, withProcessOptions } from '../container/process-options.js';
import { planRlimits } from '../container/ulimits.js';
import { parseShmSize, parseSysctls } from '../container/sysctls.js';
import { hostNofileHard } from '../linux/rlimit.js';
import { parseSignal } from '../linux/signals.js';
import { MiniboxError } from '../util/errors.js';

/**
 * `run`'s process options over the spec buildSpec made: --group-add, --ulimit (and the
 * default nofile), labels. Every value is checked before the container is created.
 */
export interface ProcessRunFlags {
  groupAdd?: string[]; // --group-add
  ulimits?: string[]; // --ulimit name=soft[:hard]
  envFiles?: string[]; // --env-file
  labels?: string[]; // --label/-l K[=V]
  labelFiles?: string[]; // --label-file
  init?: boolean; // --init
  stopSignal?: string; // --stop-signal (over the image's StopSignal)
  stopTimeout?: number; // --stop-timeout seconds
  shmSize?: string; // --shm-size
  sysctls?: string[]; // --sysctl K=V
}

/** What the files given on the command line say, read first (a missing file creates nothing). */
export interface RunFiles {
  env: string[];
  labels: Record<string, string>;
}

/** --stop-signal and --stop-timeout, checked before anything is made (Docker: exit 125). */
export function checkStopFlags(f: ProcessRunFlags): void {
  if (f.stopSignal !== undefined) {
    try {
      parseSignal(f.stopSignal);
    } catch {
      throw new MiniboxError(`Invalid signal: ${f.stopSignal}`);
    }
  }
}

export async function readRunFiles(f: ProcessRunFlags, callerEnv: NodeJS.ProcessEnv): Promise<RunFiles> {
  checkStopFlags(f);
  const env = await readEnvFiles(f.envFiles ?? [], callerEnv);
  const labels = parseLabels(await readKeyValueFiles(f.labelFiles ?? [], () => undefined), f.labels ?? []);
  return { env, labels };
}

export function applyProcessFlags(spec: OciSpec, f: ProcessRunFlags, image: ImageRuntimeConfig, files: RunFiles, networkMode: string): OciSpec {
  const withOptions = withProcessOptions(spec, {
    groupAdd: checkGroupAdd(f.groupAdd ?? []),
    rlimits: planRlimits(f.ulimits ?? [], hostNofileHard()),
    init: f.init === true,
    ...(f.shmSize !== undefined ? { shmSize: parseShmSize(f.shmSize) } : {}),
    sysctls: parseSysctls(f.sysctls ?? [], networkMode),
  });
  return withLabels(withOptions, mergeImageLabels(image.Labels, files.labels));
}
