import fs from 'node:fs';
import { MiniboxError, errnoCode } from '../util/errors.js';

/**
 * Path confinement for extraction. Entry names are cleaned lexically (and rejected if
 * `..` climbs above the root); the parent directory chain is then resolved the way a
 * chroot would, so a symlink inside the layer (`a -> /etc`, `a -> ../../..`) can never
 * lead outside `root`. The final component is never followed: callers replace it.
 *
 * Resolution is synchronous on purpose: between resolving a parent and creating the
 * child nothing else may run, or a concurrent entry could swap a directory for a symlink.
 */

const MAX_SYMLINKS = 40; // Linux's own limit

/** Clean an archive name to root-relative components; throws if it escapes the root. */
export function cleanName(name: string, entry: string = name): string[] {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw new MiniboxError(`layer entry "${entry}" escapes the layer root`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

export class RootResolver {
  /**
   * Absolute paths under root that are real directories reached without symlinks.
   * A parent found here needs no syscalls at all, which is the common case.
   */
  private readonly dirs = new Set<string>();

  constructor(readonly root: string) {
    this.dirs.add(root);
  }

  join(parts: readonly string[]): string {
    return parts.length === 0 ? this.root : `${this.root}/${parts.join('/')}`;
  }

  /** A real directory we made or verified, reached without symlinks (no syscall). */
  isDir(path: string): boolean {
    return this.dirs.has(path);
  }

  /** Record a directory we created or verified (its whole chain is already known). */
  addDir(path: string): void {
    this.dirs.add(path);
  }

  /** Something at `path` is being removed or replaced: forget it and all below it. */
  forget(path: string): void {
    if (!this.dirs.delete(path)) return;
    const prefix = `${path}/`;
    for (const d of this.dirs) if (d.startsWith(prefix)) this.dirs.delete(d);
  }

  /**
   * Resolve directory components chroot-style and return the absolute directory.
   * With `create`, missing directories are made (0755, like containerd's implicit
   * parents); without it a missing one throws ENOENT-flavoured MiniboxError.
   */
  resolveDir(parts: readonly string[], entry: string, create: boolean): string {
    const lexical = this.join(parts);
    if (this.dirs.has(lexical)) return lexical;
    const queue = parts.slice();
    const done: string[] = [];
    let links = 0;
    while (queue.length > 0) {
      const part = queue.shift() ?? '';
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done.pop(); // clamps at the root, as `..` does in a chroot
        continue;
      }
      done.push(part);
      const path = this.join(done);
      if (this.dirs.has(path)) continue;
      const kind = this.inspect(path, entry);
      if (kind === 'dir') {
        this.dirs.add(path);
      } else if (kind === 'missing') {
        if (!create) throw new MiniboxError(`layer entry "${entry}": ${this.rel(path)} does not exist`);
        this.mkdir(path, entry);
      } else if (kind === 'symlink') {
        if (++links > MAX_SYMLINKS) throw new MiniboxError(`layer entry "${entry}": too many levels of symlinks`);
        const target = fs.readlinkSync(path);
        done.pop();
        if (target.startsWith('/')) done.length = 0;
        queue.unshift(...target.split('/'));
      } else {
        throw new MiniboxError(`layer entry "${entry}": ${this.rel(path)} is not a directory`);
      }
    }
    return this.join(done);
  }

  private inspect(path: string, entry: string): 'dir' | 'symlink' | 'missing' | 'other' {
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(path, { throwIfNoEntry: false });
    } catch (err) {
      throw new MiniboxError(`layer entry "${entry}": cannot inspect ${this.rel(path)}: ${errnoCode(err) ?? err}`, 125, {
        cause: err,
      });
    }
    if (st === undefined) return 'missing';
    if (st.isDirectory()) return 'dir';
    if (st.isSymbolicLink()) return 'symlink';
    return 'other';
  }

  private mkdir(path: string, entry: string): void {
    try {
      fs.mkdirSync(path, 0o755);
    } catch (err) {
      throw new MiniboxError(`layer entry "${entry}": cannot create ${this.rel(path)}: ${errnoCode(err) ?? err}`, 125, {
        cause: err,
      });
    }
    this.dirs.add(path);
  }

  rel(path: string): string {
    return path === this.root ? '/' : path.slice(this.root.length);
  }
}
