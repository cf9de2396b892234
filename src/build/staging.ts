import fs from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import type { CopyPlan } from './copy-plan.js';

/**
 * A COPY plan made real: the files laid out in a scratch directory exactly as they go below
 * the destination, ready for the layer writer (layer/pack.ts, kind 'plain', prefix = the
 * destination). Owners are root's unless --chown said otherwise (Docker never keeps the
 * context's owners); --chmod sets every entry's mode; mtimes are the sources' (Docker keeps
 * them; the cache key ignores them).
 */
export interface Ownership {
  uid: number;
  gid: number;
}

export interface StageOptions {
  owner: Ownership; // 0:0 unless --chown
  chmod?: number; // --chmod
  rootMeta: { mode: number; uid: number; gid: number }; // the destination dir: as in the image, or new
}

/** `--chmod=0755` → 0o755 (Docker takes an octal mode only). */
export function parseChmod(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw new MiniboxError(`invalid chmod parameter: ${text}`, 1);
  return parseInt(text, 8);
}

export function stageCopy(plan: CopyPlan, staging: string, opts: StageOptions): void {
  fs.mkdirSync(staging, { recursive: true });
  const dirTimes: Array<[string, number]> = [];
  for (const { to, entry } of plan.items) {
    const dst = path.join(staging, to);
    fs.mkdirSync(path.dirname(dst), { recursive: true, mode: 0o755 });
    const mode = opts.chmod ?? entry.mode;
    switch (entry.type) {
      case 'dir':
        fs.mkdirSync(dst, { recursive: true });
        fs.chmodSync(dst, mode);
        dirTimes.push([dst, entry.mtimeMs]);
        break;
      case 'file':
        fs.rmSync(dst, { force: true, recursive: true });
        fs.copyFileSync(entry.abs, dst);
        fs.chmodSync(dst, mode);
        fs.utimesSync(dst, entry.mtimeMs / 1000, entry.mtimeMs / 1000);
        break;
      case 'symlink':
        fs.rmSync(dst, { force: true, recursive: true });
        fs.symlinkSync(entry.link ?? '', dst);
        break;
      default:
        continue; // sockets, fifos and devices in a context are not copied
    }
    fs.lchownSync(dst, opts.owner.uid, opts.owner.gid);
  }
  // directories made on the way (parents of a file copied into a new sub dir) belong to the owner too
  chownNewDirs(staging, opts.owner);
  fs.chmodSync(staging, opts.rootMeta.mode);
  fs.chownSync(staging, opts.rootMeta.uid, opts.rootMeta.gid);
  for (const [dir, mtimeMs] of dirTimes.reverse()) fs.utimesSync(dir, mtimeMs / 1000, mtimeMs / 1000);
}

function chownNewDirs(dir: string, owner: Ownership): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    fs.lchownSync(p, owner.uid, owner.gid);
    chownNewDirs(p, owner);
  }
}
