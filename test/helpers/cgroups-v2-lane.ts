import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInVm } from '../vm/run-in-vm.mjs';
import { ensureBusyboxLayout } from './busybox.js';

/**
 * The cgroup v2 lane in the background. Its guest (qemu under TCG, no KVM here) needs ~10 min
 * (580-640 s measured, about one core); run in its turn, the suite would wait that long. So the global setup
 * boots it at the start, beside the host's files, niced so that their work goes first, and
 * test/integration/cgroups-v2.test.ts, which the sequencer puts last, only collects the
 * result. The guest writes only to its own share and runs no process on the host but qemu,
 * so the host's leak checks are unaffected.
 */
export const LANE_TEST_FILE = path.join('test', 'integration', 'cgroups-v2.test.ts');

// In the guest: the cgroup tests on a pure v2 kernel, and minibox-runtime's cgroup areas
// (oci-conformance.test.ts linux_cgroups_*: cgroupsPath, memory, cpus, pids, devices,
// blockIO as io.weight/io.max, hugetlb, unified). devices.test.ts checks the shim's eBPF
// device program (v2 has no devices files), pause.test.ts the freeze through cgroup.freeze.
const GUEST_FILES = [
  'test/integration/cgroups.test.ts',
  'test/integration/devices.test.ts',
  'test/unit/cgroups/drivers.test.ts',
  'test/integration/pause.test.ts',
  'test/integration/oci-conformance.test.ts',
];
// One vitest for all (vitest's start-up alone takes tens of seconds in the TCG guest), and a
// name filter: only oci-conformance's linux_cgroups_ areas, and of pause.test.ts what
// touches the freezer (cgroup.freeze, cgroup.events), not its refusals, health probes and
// failed or interrupted copies, which are the same code on either hierarchy and would add
// ~2.5 min of guest time. Names are matched as "<describe> <test>".
const SKIPPED_IN_GUEST = [
  'OCI runtime conformance',
  'pause and unpause refuses what Docker refuses',
  'health checks while paused',
  'cp freezes a running container for the copy an interrupted copy',
  'cp freezes a running container for the copy a failed copy',
];
const NAME_FILTER = `^(?!${SKIPPED_IN_GUEST.join('|')})|linux_cgroups_`;
// the guest's root is read-only: no config bundle (--configLoader runner), no results cache
export const GUEST_COMMAND = `node_modules/.bin/vitest run --configLoader runner --no-cache --reporter verbose ${GUEST_FILES.join(' ')} -t '${NAME_FILTER}'`;
export const LANE_TIMEOUT_MS = 1_500_000;

export type LaneResult = { code: number; output: string; seconds: number } | { error: string };

export interface Lane {
  /** Where the result is written (JSON, LaneResult) when the guest has finished. */
  resultFile: string;
  /** Kill the guest if it still runs, and remove the result. */
  stop: () => Promise<void>;
}

export function startCgroupsV2Lane(): Lane {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-v2lane-'));
  const resultFile = path.join(dir, 'result.json');
  const abort = new AbortController();
  const t0 = Date.now();
  const write = (r: LaneResult) => {
    writeFileSync(`${resultFile}.tmp`, JSON.stringify(r));
    renameSync(`${resultFile}.tmp`, resultFile); // whole, or not there
  };
  const running = ensureBusyboxLayout() // built on the host: the guest's root is read-only
    .then(() =>
      runInVm(GUEST_COMMAND, {
        timeoutMs: LANE_TIMEOUT_MS,
        memoryMb: 1536,
        exclusive: false, // vm-lane.test.ts boots its own short guest meanwhile
        nice: 10,
        signal: abort.signal,
      }),
    )
    .then(
      (r) => write({ ...r, seconds: (Date.now() - t0) / 1000 }),
      (err: unknown) => write({ error: err instanceof Error ? err.message : String(err) }),
    )
    .catch(() => {}); // the dir is gone: stopped
  return {
    resultFile,
    stop: async () => {
      abort.abort();
      await running;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The lane's result, once the guest has finished (polls: the writer is another process). */
export async function laneResult(resultFile: string, timeoutMs: number): Promise<LaneResult> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(resultFile)) {
    if (Date.now() > deadline) return { error: `the v2 lane gave no result within ${timeoutMs / 1000} s` };
    await new Promise((r) => setTimeout(r, 500));
  }
  return JSON.parse(readFileSync(resultFile, 'utf8')) as LaneResult;
}
