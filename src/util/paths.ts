import path from 'node:path';

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
