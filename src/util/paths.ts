import fs from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from './errors.js';

/**
 * Where minibox keeps its state (see the design's "State on disk"). Tests point
 * MINIBOX_ROOT at a temp dir so runs never collide with each other or with a user's
 * /var/lib/minibox.
 */
export function stateRoot(): string {
  return path.resolve(process.env.MINIBOX_ROOT ?? '/var/lib/minibox');
}

export interface StatePaths {
  root: string;
  blobs: string; // blobs/sha256/<hex>
  images: string; // images/<name-digest>.json: ref → image id
  snapshots: string; // snapshots/<chainID>/ unpacked layers, shared
  containers: string; // containers/<id>/{config.json,state.json,upper,work,rootfs}
  tmp: string; // scratch space on the same filesystem, for atomic renames
  locks: string;
}

export function statePaths(root = stateRoot()): StatePaths {
  return {
    root,
    blobs: path.join(root, 'blobs', 'sha256'),
    images: path.join(root, 'images'),
    snapshots: path.join(root, 'snapshots'),
    containers: path.join(root, 'containers'),
    tmp: path.join(root, 'tmp'),
    locks: path.join(root, 'locks'),
  };
}

/**
 * Who may enter the store. Layers hold whatever an image brings — setuid-root binaries,
 * device nodes, world-writable directories — and containers' upper dirs whatever a
 * container made of them, so another local user must never reach a path under them:
 * `snapshots/`, `containers/` and `tmp/` (extraction scratch) are 0700. The root itself is
 * 0711 as Docker's /var/lib/docker is: traversable (nothing under it is listable), so a
 * path its owner deliberately shares keeps working, while the 0700 children close the store.
 */
export const STATE_ROOT_MODE = 0o711;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Make `dir` (the state root or a directory right under it) with the store's modes, and
 * tighten them where they are looser. Fixed "on open" rather than only at creation: a
 * store made by an older minibox (0755 everywhere), or a root made as a side effect of
 * another directory's `mkdir -p`, is closed the first time anything writes to it. A few
 * syscalls, cheap enough for every `run`.
 */
export function ensureStoreDir(paths: StatePaths, dir: string): void {
  ensureDirMode(paths.root, STATE_ROOT_MODE, true);
  if (path.resolve(dir) !== path.resolve(paths.root)) ensureDirMode(dir, PRIVATE_DIR_MODE, false);
}

function ensureDirMode(dir: string, mode: number, parents: boolean): void {
  try {
    fs.mkdirSync(dir, { mode, recursive: parents });
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  const st = fs.statSync(dir); // follows a symlinked root (/var/lib/minibox -> /data/minibox)
  if (!st.isDirectory()) throw new MiniboxError(`${dir} is not a directory`);
  // A shared sticky directory (/tmp) is nobody's store; chmod-ing it would break the host.
  if (st.mode & 0o1000) throw new MiniboxError(`${dir} is a shared directory (mode ${(st.mode & 0o7777).toString(8)}); point MINIBOX_ROOT at a directory of its own`);
  const current = st.mode & 0o7777;
  if ((current & ~mode) !== 0) fs.chmodSync(dir, current & mode);
}
