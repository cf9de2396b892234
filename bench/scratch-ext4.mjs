// A fresh ext4 filesystem for the extraction benchmark: a sparse image file on the host's
// disk, made with mkfs.ext4 (e2fsprogs) and loop-mounted, removed afterwards.
//
// Why not extract into the host's /var/tmp? Extraction is file creation, and ext4's cost for
// it depends on the state of the block groups it allocates from. On this project's reference
// VM (root ext4 mounted with online discard, 100 MB trees created and deleted many times by
// the tests and benchmarks), `tar -xf` of the 102 MB layer took 0.3 s in one directory and
// 1-5 s of kernel time in another, and moved between the two within minutes: the directory,
// not the tool, set the figure. A new filesystem is the same kind of directory for every
// tool and every run, on any machine. (--dir still benchmarks any directory as it is.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * fn(dir, label) inside a fresh ext4 of `bytes` (sparse). Where one cannot be made (no
 * mkfs.ext4, no loop devices, not root), fn runs in `fallback` as it is, and says so.
 */
export async function withScratchExt4(bytes, fn, { fallback = '/var/tmp', log = () => {} } = {}) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-bench-ext4-'));
  const image = path.join(base, 'fs.img');
  const mnt = path.join(base, 'mnt');
  fs.mkdirSync(mnt);
  let mounted = false;
  try {
    try {
      fs.closeSync(fs.openSync(image, 'w'));
      fs.truncateSync(image, bytes); // sparse: costs only what is written
      // no lazy init: otherwise ext4lazyinit zeroes inode tables in the background, mid-run
      execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', image], { stdio: 'ignore' });
      execFileSync('mount', ['-o', 'loop', image, mnt], { stdio: ['ignore', 'ignore', 'pipe'] });
      mounted = true;
    } catch (err) {
      log(`no fresh ext4 (${String(err.message ?? err).split('\n')[0]}): using ${fallback} as it is`);
      return await fn(fallback, fallback);
    }
    return await fn(mnt, 'a fresh ext4 (loop)');
  } finally {
    if (mounted) execFileSync('umount', [mnt]);
    fs.rmSync(base, { recursive: true, force: true });
  }
}
