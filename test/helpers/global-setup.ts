import path from 'node:path';
import { parseCLI, type TestProject } from 'vitest/node';
import { staleBuild } from './build-fresh.js';
import { LANE_TEST_FILE, type Lane, startCgroupsV2Lane } from './cgroups-v2-lane.js';
import { leakcheck } from './leakcheck.js';
import { REPO } from './minibox.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The result file of the cgroup v2 lane started here (see cgroups-v2-lane.ts). */
    cgroupsV2Lane: string;
  }
}

let lane: Lane | undefined;

/**
 * Before the suite: the integration tests run the built CLI and shim, so refuse a build
 * older than its sources (`npm test` builds first, in pretest; this catches `npx vitest`);
 * and boot the cgroup v2 lane's guest when its file is in the run, to run beside the rest.
 * After it: nothing minibox made may remain on the host.
 */
export async function setup(project: TestProject): Promise<void> {
  const files = await filesOfThisRun(project);
  if (files.some((f) => !f.startsWith(`test${path.sep}unit${path.sep}`))) {
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
  if (files.includes(LANE_TEST_FILE)) {
    lane = startCgroupsV2Lane();
    project.provide('cgroupsV2Lane', lane.resultFile);
  }
}

/**
 * The files this run will test, relative to the repo: the config's, narrowed by the command
 * line's filters (vitest hands global setups the project, not the filters). Unit tests
 * import src/ directly: a run of only those needs no build (and stays usable while src/ is
 * being edited).
 */
async function filesOfThisRun(project: TestProject): Promise<string[]> {
  const { filter } = parseCLI(['vitest', ...process.argv.slice(2)], { allowUnknownOptions: true });
  const { testFiles } = await project.globTestFiles(filter);
  return testFiles.map((f) => path.relative(REPO, f));
}

export async function teardown(): Promise<void> {
  await lane?.stop(); // finished by now unless the run was cut short
  const leaks = leakcheck();
  if (leaks.length > 0) throw new Error(`minibox left these on the host after the suite:\n${leaks.join('\n')}`);
}
