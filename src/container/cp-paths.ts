import { lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../util/errors.js';

/**
 * Paths inside a container's root, resolved as chroot(2) would: `..` stops at the root and a
 * symlink (absolute or relative) is followed inside the root, never out of it. So
 * `cp x c:../../etc` lands in the container's /etc, and an image's `/data -> /etc` symlink
 * means the container's /etc, never the host's (Docker's behaviour).
 */
const MAX_SYMLINKS = 40; // Linux's MAXSYMLINKS

export interface InRoot {
  host: string; // the path on the host (under root)
  inside: string; // the same path as the container sees it, normalised
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolve `inside` (a container path) under `root`. Missing components are taken literally,
 * so the result may not exist. followLast: also follow a symlink in the last component.
 */
export function resolveInRoot(root: string, inside: string, followLast: boolean): InRoot {
  let todo = components(inside);
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift() as string;
    if (c === '..') {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, c);
    let isLink = false;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch {
      // missing: the rest is taken literally (the caller reports what does not exist)
    }
    if (isLink && (todo.length > 0 || followLast)) {
      if (++links > MAX_SYMLINKS) throw new MiniboxError(`${inside}: too many levels of symbolic links`, 1);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...components(target).filter((x) => x !== ''), ...todo];
      continue;
    }
    done.push(c);
  }
  return { host: path.join(root, ...done), inside: `/${done.join('/')}` };
}

/** `CONTAINER:PATH` → its parts; a plain path (host side, or `-`) → undefined. */
export function splitContainerArg(arg: string): { container: string; path: string } | undefined {
  // Docker: a colon before any slash marks a container; `./a:b` is a local path
  const colon = arg.indexOf(':');
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return undefined;
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** What docker cp's path rules look at in an argument as typed. */
export interface PathForm {
  trailingSlash: boolean; // "dir/" : must be a directory
  contentsOnly: boolean; // "dir/." : the directory's content, not the directory
  base: string; // the name an entry gets in a destination directory
}

export function pathForm(p: string): PathForm {
  const contentsOnly = p === '.' || p.endsWith('/.');
  const trailingSlash = contentsOnly || p.endsWith('/');
  const stripped = p.replace(/\/\.$/, '').replace(/\/+$/, '');
  return { trailingSlash, contentsOnly, base: path.posix.basename(stripped) || '/' };
}
