import path from 'node:path';
import type { OciSpec } from '../container/spec.js';
import { userOf } from '../container/spec.js';
import { readSpec } from '../container/spec-read.js';
import { labelsOf, matchesLabelFilter } from '../container/labels.js';
import { statePaths } from '../util/paths.js';

export { processHostConfig } from '../container/process-options.js';

/** inspect's Config fields of `run`'s process options, from config.json. */
export function processConfigView(spec: OciSpec): { User: string; Labels: Record<string, string> } {
  return { User: userOf(spec) ?? '', Labels: labelsOf(spec) };
}

/** `ps --filter label=K[=V]` values (without "label="), all of which must match. */
export async function matchesLabels(id: string, filters: string[]): Promise<boolean> {
  if (filters.length === 0) return true;
  let labels: Record<string, string> = {};
  try {
    labels = labelsOf(await readSpec(path.join(statePaths().containers, id)));
  } catch {
    // an unreadable config.json has no labels
  }
  return filters.every((f) => matchesLabelFilter(labels, f));
}
