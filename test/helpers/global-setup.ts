import path from 'node:path';
import { parseCLI, type TestProject } from 'vitest/node';
import { staleBuild } from './build-fresh.js';
import { leakcheck } from './leakcheck.js';
import { REPO } from './minibox.js';

/**
 * Before the suite: the integration tests run the built CLI and shim, so refuse a build
 * older than its sources (`npm test` builds first, in pretest; this catches `npx vitest`).
 * After it: nothing minibox made may remain on the host.
 */
export async function setup(project: TestProject): Promise<void> {
  if (await runsBuiltCode(project)) {
    const stale = staleBuild(REPO);
    if (stale) {
      const rel = (p: string) => path.relative(REPO, p);
      throw new Error(
        stale.missing
          ? `minibox is not built (${rel(stale.output)} is missing): run 'npm run build' (npm test does it first)`
          : `the build is stale: ${rel(stale.output)} is older than ${rel(stale.source)}; run 'npm run build' (npm test does it first)`,
      );
    }
  }
  const before = leakcheck();
  if (before.length > 0) {
    throw new Error(`the host already has minibox leftovers before the suite:\n${before.join('\n')}`);
  }
}

/**
 * Unit tests import src/ directly: a run of only those needs no build (and stays usable
 * while src/ is being edited). The files this run will test: the config's, narrowed by the
 * command line's filters (vitest hands global setups the project, not the filters).
 */
async function runsBuiltCode(project: TestProject): Promise<boolean> {
  const { filter } = parseCLI(['vitest', ...process.argv.slice(2)], { allowUnknownOptions: true });
  const { testFiles } = await project.globTestFiles(filter);
  return testFiles.some((f) => !path.relative(REPO, f).startsWith(`test${path.sep}unit${path.sep}`));
}

export function teardown(): void {
  const leaks = leakcheck();
  if (leaks.length > 0) throw new Error(`minibox left these on the host after the suite:\n${leaks.join('\n')}`);
}
