import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Is the build older than its sources? The integration tests run the built CLI (dist/bundle,
 * dist/cli) and the built shim, so a source edited after the last build would be tested as
 * it was, not as it is. For the TS build, folders count too (deleting or renaming a file
 * changes its folder's mtime, and tsc rewrites every output); make relinks the shim only for
 * a newer .c/.h or Makefile, so only those count there.
 */
export interface Staleness {
  output: string; // the built file that is older, or missing
  source: string; // the newest source, changed after it
  missing: boolean;
}

interface Pair {
  outputs: string[];
  sources: string[]; // files or folders, walked recursively
  counts: (file: string, isDir: boolean) => boolean; // which entries under sources count
}

export function buildPairs(repo: string): Pair[] {
  return [
    {
      outputs: [path.join(repo, 'dist', 'bundle', 'minibox.cjs'), path.join(repo, 'dist', 'cli', 'main.js')],
      sources: [path.join(repo, 'src')],
      counts: (f, isDir) => isDir || f.endsWith('.ts'),
    },
    {
      outputs: [path.join(repo, 'native-shim', 'build', 'minibox-shim')],
      sources: [path.join(repo, 'native-shim', 'src'), path.join(repo, 'native-shim', 'Makefile')],
      counts: (f, isDir) => !isDir && (/\.[ch]$/.test(f) || path.basename(f) === 'Makefile'),
    },
  ];
}

/** The first built file that is missing (mtime 0) or older than a source, or undefined. */
export function staleBuild(repo: string): Staleness | undefined {
  for (const { outputs, sources, counts } of buildPairs(repo)) {
    const newest = { file: '', mtime: 0 };
    for (const s of sources) newestUnder(s, counts, newest);
    for (const output of outputs) {
      const built = mtimeOf(output);
      if (built < newest.mtime) return { output, source: newest.file, missing: built === 0 };
    }
  }
  return undefined;
}

function mtimeOf(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function newestUnder(p: string, counts: Pair['counts'], newest: { file: string; mtime: number }): void {
  let st;
  try {
    st = statSync(p);
  } catch {
    return;
  }
  if (counts(p, st.isDirectory()) && st.mtimeMs > newest.mtime) Object.assign(newest, { file: p, mtime: st.mtimeMs });
  if (!st.isDirectory()) return;
  for (const name of readdirSync(p)) newestUnder(path.join(p, name), counts, newest);
}
