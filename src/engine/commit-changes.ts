import { MiniboxError } from '../util/errors.js';
import { parseTrigger } from '../build/dockerfile.js';
import { applyMetadata } from '../build/metadata.js';
import { lookupOf } from '../build/shell-words.js';
import type { RuntimeConfig } from '../build/image-state.js';

/**
 * `commit --change/-c`: the Dockerfile instructions Docker lets a commit apply to the new
 * image's config — CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME,
 * WORKDIR. Docker runs them through its builder's dispatchers, so minibox runs them through
 * build's (build/metadata.ts applyMetadata): the same forms, quoting, variable expansion
 * against the config's Env and error wording as a Dockerfile's. Pure: config in, new one out.
 */
const VALID = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

/** Apply every -c in order (a value may hold several instructions, one per line). */
export function applyChanges(config: RuntimeConfig, changes: readonly string[]): RuntimeConfig {
  let cmdSet = false; // a CMD in these changes survives a later ENTRYPOINT (Dockerfile's rule)
  let c = config;
  for (const change of changes) {
    for (const [i, line] of change.split('\n').entries()) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const typed = line.trim().split(/\s/, 1)[0] ?? '';
      if (!VALID.has(typed.toUpperCase())) throw new MiniboxError(`${typed} is not a valid change command`, 1);
      const result = applyMetadata(parseTrigger(line, i + 1), c, { escape: '\\', lookup: lookupOf(c.Env ?? []), cmdSet });
      c = result.config;
      cmdSet ||= result.cmdSet === true;
    }
  }
  return c;
}
