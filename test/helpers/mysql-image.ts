import { loadRecipeImage } from './debian-apache.js';

/**
 * The offline stand-in for Docker Hub's mysql:latest (images/mysql: Debian bookworm's
 * MariaDB with our own docker-entrypoint.sh honouring the official image's contract), built
 * into the image cache like the other Debian recipes (test/helpers/debian-apache.ts).
 */
export const MYSQL_IMAGE = 'mysql:latest';

/** A cold build downloads ~90 MB of packages from Debian's mirror: about a minute here. */
export const MYSQL_BUILD_TIMEOUT_MS = 600_000;

/** Build-if-missing, then `minibox load` it into `root` as docker.io/library/mysql:latest. */
export async function loadMysqlImage(root: string): Promise<string> {
  await loadRecipeImage('mysql', root, MYSQL_BUILD_TIMEOUT_MS);
  return MYSQL_IMAGE;
}
