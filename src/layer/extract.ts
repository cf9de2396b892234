import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { type ApplyContext, applyEntry } from './apply.js';
import { type LayerFs, missingLayerFs } from './syscalls.js';
import { type LayerLimits, layerLimitsFromEnv, tooManyEntries } from './limits.js';
import { RootResolver } from './root-path.js';
import { TarReader } from './tar-reader.js';
import type { WritePool } from './write-pool.js';

export type { LayerFs } from './syscalls.js';

export interface ExtractStats {
  entries: number; // tar entries applied (PAX/GNU meta headers not counted)
  bytes: number; // regular-file content bytes written
  skipped: number; // device nodes, FIFOs and xattrs that could not be made (see warnings)
}

export interface ExtractOptions {
  /** mknod/setxattr provider (the engine passes linux/native-layer-fs.ts); without one, devices and xattrs are skipped. */
  fs?: LayerFs;
  /** Told about everything skipped; defaults to silence (the count is in the stats). */
  onWarning?: (message: string) => void;
  /** chown entries to the header's uid/gid; defaults to "running as root", like GNU tar. */
  sameOwner?: boolean;
  /**
   * Worker threads that write regular files while this thread parses, hashes and makes
   * everything else (write-pool.ts); 0 does it all on this thread. Defaults to
   * DEFAULT_WORKERS.
   */
  workers?: number;
  /** Caps on the uncompressed tar's size and entry count; default: limits.ts's, as the environment sets them. */
  limits?: LayerLimits;
}

/**
 * Off by default: on the 2-core reference machine (`npm run bench -- --workers ,1,2`)
 * writer threads were no faster on ext4 or tmpfs — inflate already has the second core,
 * and the hand-off costs as much as the syscalls it moves — and each adds ~10-20 MB of
 * RSS, which breaks the 100 MB budget. Re-measured 2026-11-26 on a fresh ext4: one writer
 * 556 vs 610 ms in one run, 513 vs 518 in the next, two writers 511 and 615 at 102-105 MiB:
 * within this VM's noise. Worth re-measuring on machines with more cores.
 */
export const DEFAULT_WORKERS = 0;

/** The process umask without changing it (process.umask() with no argument is deprecated). */
function currentUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    if (m?.[1] !== undefined) return parseInt(m[1], 8);
  } catch {
    // not Linux's procfs: fall through
  }
  const old = process.umask(0o022);
  process.umask(old);
  return old;
}

/** Apply one uncompressed tar layer stream onto `root` (an existing directory). */
export async function extractTar(
  tar: NodeJS.ReadableStream | Readable,
  root: string,
  options: ExtractOptions = {},
): Promise<ExtractStats> {
  return extractChunks(tar[Symbol.asyncIterator](), root, options);
}

/**
 * The extraction loop over any chunk source (unpackLayer passes a hashing one). Reads
 * to the very end of the input even past the end-of-archive marker, so a digest taken
 * over the source covers every byte; on failure the source is closed.
 */
export async function extractChunks(
  source: AsyncIterator<unknown>,
  root: string,
  options: ExtractOptions = {},
  release?: (chunk: Buffer) => void, // gets each source chunk back once it is no longer used
): Promise<ExtractStats> {
  const abs = path.resolve(root);
  let pool: WritePool | null = null;
  try {
    await checkRoot(abs);
    const limits = options.limits ?? layerLimitsFromEnv();
    const workers = options.workers ?? DEFAULT_WORKERS;
    // Loaded only when asked for: most extractions never start a writer thread.
    pool = workers > 0 ? new (await import('./write-pool.js')).WritePool(workers) : null;
    const ctx: ApplyContext = {
      resolver: new RootResolver(abs),
      lfs: options.fs ?? missingLayerFs,
      sameOwner: options.sameOwner ?? process.geteuid?.() === 0,
      dirTimes: new Map(),
      stats: { entries: 0, bytes: 0, skipped: 0 },
      warn: options.onWarning ?? (() => {}),
      pool,
      umask: currentUmask(),
      euid: process.geteuid?.() ?? -1,
      egid: process.getegid?.() ?? -1,
      sgid: new Map(),
    };
    // Whenever the parser is about to wait for input, the workers get what is batched.
    const p = pool;
    const input: AsyncIterator<unknown> =
      p === null
        ? source
        : {
            next: () => {
              p.flush();
              return source.next();
            },
          };
    const reader = new TarReader(input, release, limits.maxBytes);
    for (let e = await reader.next(); e !== null; e = await reader.next()) {
      if (++ctx.stats.entries > limits.maxEntries) throw tooManyEntries(limits.maxEntries);
      await applyEntry(ctx, reader, e);
    }
    await reader.drain();
    if (pool !== null) await pool.barrier();
    restoreDirTimes(ctx);
    return ctx.stats;
  } catch (err) {
    await source.return?.().catch(() => undefined);
    throw err;
  } finally {
    await pool?.close();
  }
}

async function checkRoot(root: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(root);
  } catch (err) {
    throw new MiniboxError(`layer root ${root} is not accessible: ${errnoCode(err) ?? err}`, 125, { cause: err });
  }
  if (!st.isDirectory()) throw new MiniboxError(`layer root ${root} is not a directory`);
}

/** Directory mtimes last: creating each child bumped its parent's. */
function restoreDirTimes(ctx: ApplyContext): void {
  for (const [dir, [atime, mtime]] of ctx.dirTimes) {
    try {
      // lutimes: should a later entry have swapped the directory for a symlink, touch
      // the link rather than wherever it points.
      fs.lutimesSync(dir, atime, mtime);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw new MiniboxError(`cannot set the times of ${ctx.resolver.rel(dir)}: ${errnoCode(err) ?? err}`, 125, {
        cause: err,
      });
    }
  }
}
