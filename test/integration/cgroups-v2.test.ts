import { describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { runInVm } from '../vm/run-in-vm.mjs';

/**
 * The cgroup tests again, on a real pure-v2 kernel: the same test files run by vitest
 * inside the qemu guest of the VM lane (test/vm/), where /sys/fs/cgroup is cgroup2 with
 * cpu, memory and pids. The host is hybrid, so this is where the v2 driver meets a kernel.
 */
describe('cgroups on a pure cgroup v2 host (qemu guest)', () => {
  it('memory OOM 137, --cpus 0.5, pids-limit, the in-container view, update and stats, the eBPF device rules, pause and cp\'s freeze, and minibox-runtime\'s cgroup areas pass', async () => {
    await ensureBusyboxLayout(); // built on the host: the guest's root is read-only
    // devices.test.ts: the mknod-open probes against the shim's eBPF device program (v2 has no devices files)
    // pause.test.ts: pause/unpause and cp's freeze through cgroup.freeze and cgroup.events
    const files = ['test/integration/cgroups.test.ts', 'test/integration/devices.test.ts', 'test/unit/cgroups/drivers.test.ts', 'test/integration/pause.test.ts'];
    const vitest = 'node_modules/.bin/vitest run --configLoader runner --no-cache --reporter verbose';
    // and minibox-runtime's cgroup areas (oci-conformance.test.ts linux_cgroups_*): cgroupsPath,
    // memory, cpus, pids, devices, blockIO as io.weight/io.max, hugetlb, unified — v2 files here
    const cmd = `${vitest} ${files.join(' ')} && ${vitest} test/integration/oci-conformance.test.ts -t linux_cgroups_`;
    const vm = await runInVm(cmd, { timeoutMs: 1_200_000, memoryMb: 1536 });
    if (vm.code !== 0) console.error(vm.output.slice(-6000));
    expect(vm.output).toContain('cgroup limits (v2 hierarchy)');
    expect(vm.output).toContain('device confinement (v2 eBPF program)');
    expect(vm.output).toContain('cp freezes a running container for the copy');
    expect(vm.output).toContain('linux_cgroups_unified');
    expect(vm.output).toContain('linux_cgroups_path');
    expect(vm.output).toMatch(/Tests\s+\S*\s*\d+ passed/);
    expect(vm.output).not.toMatch(/\d+ failed/);
    expect(vm.code).toBe(0);
  }, 1_260_000);
});
