import os from 'node:os';
import path from 'node:path';

/**
 * Where the tests keep minibox's state: every test state root (MINIBOX_ROOT) is a direct
 * child of the temp dir whose name starts with this prefix (makeStateRoot; the VM lane's
 * `mktemp -d /tmp/minibox-test-XXXX`). The leak check knows minibox's mounts by these roots,
 * not by the word "minibox" anywhere in a path (a checkout is usually in a folder so named).
 */
export const STATE_ROOT_PREFIX = 'minibox-test-';

/** minibox's own host-wide roots: the default state root and the runtime (network) state. */
export const SYSTEM_ROOTS = ['/var/lib/minibox', '/run/minibox'];

/** Is `p` at or under a test state root or one of minibox's own roots? */
export function isMiniboxStatePath(p: string, tmpdir = os.tmpdir()): boolean {
  const abs = path.resolve(p);
  if (SYSTEM_ROOTS.some((r) => abs === r || abs.startsWith(`${r}/`))) return true;
  const rel = path.relative(path.resolve(tmpdir), abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  return rel.split(path.sep)[0]!.startsWith(STATE_ROOT_PREFIX);
}
