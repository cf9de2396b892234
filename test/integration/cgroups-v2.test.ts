import { describe, expect, inject, it } from 'vitest';
import { LANE_TIMEOUT_MS, laneResult } from '../helpers/cgroups-v2-lane.js';

/**
 * The cgroup tests again, on a real pure-v2 kernel: the same test files run by vitest
 * inside the qemu guest of the VM lane (test/vm/), where /sys/fs/cgroup is cgroup2 with
 * cpu, memory and pids. The host is hybrid, so this is where the v2 driver meets a kernel.
 * The guest was booted by the global setup and ran beside the other files (see
 * test/helpers/cgroups-v2-lane.ts); this file runs last and checks what it reported.
 */
describe('cgroups on a pure cgroup v2 host (qemu guest)', () => {
  it('memory OOM 137, --cpus 0.5, pids-limit, the in-container view, update and stats, the eBPF device rules, pause and cp\'s freeze, and minibox-runtime\'s cgroup areas pass', async () => {
    const resultFile = inject('cgroupsV2Lane');
    if (!resultFile) throw new Error("the v2 lane's guest was not started: run this file with the repo's vitest config (its global setup boots it)");
    const vm = await laneResult(resultFile, LANE_TIMEOUT_MS);
    if ('error' in vm) throw new Error(vm.error);
    console.log(`v2 lane: the guest's vitest exited ${vm.code} after ${vm.seconds.toFixed(0)} s`);
    if (vm.code !== 0) console.error(vm.output.slice(-6000));
    expect(vm.output).toContain('cgroup limits (v2 hierarchy)');
    expect(vm.output).toContain('device confinement (v2 eBPF program)');
    expect(vm.output).toContain('cp freezes a running container for the copy');
    expect(vm.output).toContain('linux_cgroups_unified');
    expect(vm.output).toContain('linux_cgroups_path');
    expect(vm.output).toMatch(/Tests\s+\S*\s*\d+ passed/);
    expect(vm.output).not.toMatch(/\d+ failed/);
    expect(vm.code).toBe(0);
  }, LANE_TIMEOUT_MS + 60_000);
});
