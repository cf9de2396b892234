import { existsSync } from 'node:fs';
import path from 'node:path';
import { leakcheck } from './leakcheck.js';
import { REPO } from './minibox.js';

/**
 * Before the suite: make sure the CLI and the shim are built (they are at install; this
 * catches a stale checkout). After it: nothing minibox made may remain on the host.
 */
export function setup(): void {
  const built = existsSync(path.join(REPO, 'dist', 'cli', 'main.js')) && existsSync(path.join(REPO, 'native-shim', 'build', 'minibox-shim'));
  if (!built) {
    // the install builds both; integration tests will fail clearly without them
    process.stderr.write("warning: minibox is not built (dist/ or the shim is missing): run 'npm run build'\n");
  }
  const before = leakcheck();
  if (before.length > 0) {
    throw new Error(`the host already has minibox leftovers before the suite:\n${before.join('\n')}`);
  }
}

export function teardown(): void {
  const leaks = leakcheck();
  if (leaks.length > 0) throw new Error(`minibox left these on the host after the suite:\n${leaks.join('\n')}`);
}
