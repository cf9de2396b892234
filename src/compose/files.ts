/**
 * Which compose files a command reads: the `-f` files in order, else COMPOSE_FILE
 * (`:`-separated), else the first of Compose's default names found in the working folder
 * (compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml, in that precedence,
 * with Compose's warning when several exist) followed by its override file if one exists.
 */
import path from 'node:path';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];
export const DEFAULT_OVERRIDES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yml', 'docker-compose.override.yaml'];

export function pickFiles(
  cwd: string,
  flags: readonly string[],
  composeFileEnv: string | undefined,
  exists: (p: string) => boolean,
  warnings: string[],
): string[] {
  if (flags.length > 0) return flags.map((f) => path.resolve(cwd, f));
  if (composeFileEnv) return composeFileEnv.split(path.delimiter).filter(Boolean).map((f) => path.resolve(cwd, f));
  const found = DEFAULT_FILES.filter((f) => exists(path.join(cwd, f)));
  const first = found[0];
  if (first === undefined) throw new Error('no configuration file provided: not found');
  if (found.length > 1) {
    warnings.push(`Found multiple config files with supported names: ${found.map((f) => path.join(cwd, f)).join(', ')}\nUsing ${path.join(cwd, first)}`);
  }
  const out = [path.join(cwd, first)];
  const override = DEFAULT_OVERRIDES.find((f) => exists(path.join(cwd, f)));
  if (override) out.push(path.join(cwd, override));
  return out;
}
