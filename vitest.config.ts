import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The cgroup v2 lane's file only collects what its guest, booted by the global setup at the
 * start, reported (test/helpers/cgroups-v2-lane.ts): run it last, so the files before it
 * run while the guest works instead of waiting for it.
 */
class V2LaneLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isLane = (f: TestSpecification) => f.moduleId.endsWith('/test/integration/cgroups-v2.test.ts');
    return [...sorted.filter((f) => !isLane(f)), ...sorted.filter(isLane)];
  }
}

// Integration tests create real namespaces, overlays and cgroups as root and check after
// each file that nothing leaked; running files one at a time keeps those checks exact.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    fileParallelism: false,
    sequence: { sequencer: V2LaneLast },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
