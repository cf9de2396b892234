import { readFileSync } from 'node:fs';
import type { SecurityOpt } from '../engine/run.js';
import { errnoCode } from '../util/errors.js';
import { MiniboxError } from '../util/errors.js';

/**
 * --security-opt values for the engine. A `seccomp=FILE` is read here, as Docker's CLI reads
 * it (the daemon only ever sees the profile's text), with Docker's wording when it cannot be.
 */
type Parse = (raw: string) => SecurityOpt | { kind: 'seccomp-file'; path: string };

const REASON: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
};

export function readSecurityOpts(values: string[], parse: Parse): SecurityOpt[] {
  return values.map((raw) => {
    const opt = parse(raw);
    if (opt.kind !== 'seccomp-file') return opt;
    try {
      return { kind: 'seccomp-profile', text: readFileSync(opt.path, 'utf8') };
    } catch (err) {
      const code = errnoCode(err);
      const reason = (code && REASON[code]) ?? (err instanceof Error ? err.message : String(err));
      throw new MiniboxError(`opening seccomp profile (${opt.path}) failed: open ${opt.path}: ${reason}`);
    }
  });
}
