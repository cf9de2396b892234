import { readFile } from 'node:fs/promises';
import { MiniboxError, describe, errnoCode } from '../util/errors.js';

/**
 * Docker's KEY=VALUE files (`--env-file`, `--label-file`; docker/cli opts/envfile.go):
 * leading whitespace and `#` comment lines skipped, the value passed through untouched
 * (no quote processing), a key with whitespace refused. A bare KEY takes `lookup(KEY)`
 * (the caller's environment for --env-file) and is dropped when that is undefined.
 */
export function parseKeyValueFile(text: string, lookup: (key: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line : line.slice(0, eq);
    if (/\s/.test(key)) throw new MiniboxError(`poorly formatted environment: variable '${key}' contains whitespaces`);
    if (key === '') throw new MiniboxError(`no variable name on line '${line}'`);
    if (eq !== -1) out.push(line);
    else {
      const value = lookup(key);
      if (value !== undefined) out.push(`${key}=${value}`);
    }
  }
  return out;
}

/** The files read in order, their entries concatenated (a later KEY wins when merged). */
export async function readKeyValueFiles(files: string[], lookup: (key: string) => string | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (err) {
      throw new MiniboxError(`open ${f}: ${noSuchFile(err)}`);
    }
    out.push(...parseKeyValueFile(text, lookup));
  }
  return out;
}

/** Go's wording for the common errno, else Node's message. */
function noSuchFile(err: unknown): string {
  const code = errnoCode(err);
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return describe(err);
}

/** --env-file FILE...: bare keys from the caller's environment. */
export function readEnvFiles(files: string[], callerEnv: NodeJS.ProcessEnv): Promise<string[]> {
  return readKeyValueFiles(files, (k) => callerEnv[k]);
}
