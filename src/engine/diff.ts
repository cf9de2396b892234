import { statePaths } from '../util/paths.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { readSpec } from '../container/spec-read.js';
import { lowerDirsOf } from '../container/spec.js';
import { upperDirChanges, type FsChange } from '../container/fs-diff.js';

export type { FsChange };

/** `diff`: the container's filesystem changes against its image, running or stopped. */
export async function containerDiff(ref: string): Promise<FsChange[]> {
  const paths = statePaths();
  const state = await findContainer(paths, ref);
  const dirs = containerDirs(paths, state.id);
  const spec = await readSpec(dirs.dir);
  return upperDirChanges(dirs.upper, lowerDirsOf(spec));
}
