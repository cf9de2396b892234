/**
 * The project's name, as Compose picks it: `-p`, then COMPOSE_PROJECT_NAME (shell or .env),
 * then the top-level `name:`, then the project folder's name. A name given explicitly must
 * already be valid; the folder's name is normalised instead (lowercased, characters outside
 * [a-z0-9_-] dropped, leading `_`/`-` dropped), as compose-go's NormalizeProjectName does.
 */
const VALID = /^[a-z0-9][a-z0-9_-]*$/;

export function normalizeProjectName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_-]/g, '').replace(/^[_-]+/, '');
}

export function checkProjectName(s: string): string {
  if (!VALID.test(s)) {
    throw new Error(`invalid project name "${s}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`);
  }
  return s;
}

export function pickProjectName(candidates: {
  flag?: string | undefined;
  env?: string | undefined;
  fileName?: string | undefined;
  folder: string;
}): string {
  for (const explicit of [candidates.flag, candidates.env, candidates.fileName]) {
    if (explicit) return checkProjectName(explicit);
  }
  const fromFolder = normalizeProjectName(candidates.folder);
  if (!fromFolder) throw new Error(`project name must not be empty: the folder "${candidates.folder}" gives none; use -p or name:`);
  return fromFolder;
}
