import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO, minibox } from './minibox.js';

/**
 * The images built from Debian's packages by a recipe under images/ (images/lib/debian-image.sh):
 * built on the host by mmdebstrap into a cache outside the checkout, keyed by the recipe,
 * so a suite (and every later CI run until the recipe changes) builds each at most once.
 * build.sh holds a lock while it checks and builds, so test files asking at the same time
 * wait for one build; with the cache warm it only hashes the recipe.
 */
const layouts = new Map<string, Promise<string>>();

/** images/<recipe>/build.sh's OCI layout directory, built first if the cache lacks it. */
export function ensureRecipeLayout(recipe: string, timeoutMs: number): Promise<string> {
  let layout = layouts.get(recipe);
  if (!layout) {
    const script = path.join(REPO, 'images', recipe, 'build.sh');
    layout = promisify(execFile)('bash', [script], { timeout: timeoutMs, maxBuffer: 16 << 20 }).then(({ stdout }) => {
      const dir = stdout.trim().split('\n').pop() ?? '';
      if (!path.isAbsolute(dir)) throw new Error(`images/${recipe}/build.sh printed no layout path: ${stdout}`);
      return dir;
    });
    layouts.set(recipe, layout);
  }
  return layout;
}

/** Build-if-missing, then `minibox load` the recipe's layout into `root`. */
export async function loadRecipeImage(recipe: string, root: string, timeoutMs: number): Promise<void> {
  const dir = await ensureRecipeLayout(recipe, timeoutMs);
  const r = await minibox(['load', '-q', '-i', dir], { root, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`minibox load -i ${dir} failed (${r.code}): ${r.stderr}`);
}

/** The debian-apache:bookworm base image (Debian minbase + apache2, images/debian-apache). */
export const DEBIAN_APACHE = 'debian-apache:bookworm';

/** A cold build downloads ~50 MB of packages from Debian's mirror: well under a minute here. */
export const DEBIAN_APACHE_BUILD_TIMEOUT_MS = 600_000;

/** The image's OCI layout directory, built first if the cache lacks it. */
export function ensureDebianApacheLayout(): Promise<string> {
  return ensureRecipeLayout('debian-apache', DEBIAN_APACHE_BUILD_TIMEOUT_MS);
}

/** Build-if-missing, then `minibox load` it into `root`; resolves to the image's name. */
export async function loadDebianApache(root: string): Promise<string> {
  await loadRecipeImage('debian-apache', root, DEBIAN_APACHE_BUILD_TIMEOUT_MS);
  return DEBIAN_APACHE;
}
