import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { runInVm } from '../vm/run-in-vm.mjs';

/**
 * The cgroup v2 lane: a qemu guest (test/vm/) with a pure v2 hierarchy, running this
 * checkout read-only. One boot for the whole file (~10-25 s under TCG): every check is a
 * section of one script, its output and status parsed back out.
 */
const SECTIONS: Record<string, string> = {
  controllers: 'cat /sys/fs/cgroup/cgroup.controllers',
  fstype: 'stat -f -c %T /sys/fs/cgroup',
  cli: [
    'export MINIBOX_ROOT=$(mktemp -d /tmp/minibox-test-XXXX)',
    'node bin/minibox load -i images/busybox/out/busybox-oci',
    "node bin/minibox run --rm --network none busybox sh -c 'echo in-vm; cat /proc/self/cgroup'",
  ].join(' && '),
  // what --rm must leave: no minibox cgroup in the guest's hierarchy
  leftovers: "find /sys/fs/cgroup -name '*minibox*'",
  // the kernel's own limit, no minibox involved; busybox is the guest's (/run/bin), a small
  // allocator (an OOM-killed node takes seconds to die: its pages are re-read over 9p)
  oom: [
    'mkdir /sys/fs/cgroup/test-oom',
    'echo +memory > /sys/fs/cgroup/cgroup.subtree_control',
    'echo 64M > /sys/fs/cgroup/test-oom/memory.max',
    `busybox sh -c 'echo $$ > /sys/fs/cgroup/test-oom/cgroup.procs; exec dd if=/dev/zero of=/dev/null bs=200M count=1'`,
  ].join(' && '),
  oomEvents: 'cat /sys/fs/cgroup/test-oom/memory.events',
};

interface Section {
  code: number;
  output: string;
}

function script(): string {
  return Object.entries(SECTIONS)
    .map(([name, cmd]) => `echo '@@@begin ${name}'; ( ${cmd} ) 2>&1; echo "@@@end $?"`)
    .join('\n');
}

function parse(output: string): Record<string, Section> {
  const out: Record<string, Section> = {};
  const re = /^@@@begin (\w+)\n([\s\S]*?)^@@@end (\d+)$/gm;
  for (const m of output.matchAll(re)) out[m[1]!] = { output: m[2]!, code: Number(m[3]) };
  return out;
}

describe('cgroup v2 VM lane', () => {
  let vm: { code: number; output: string };
  let sections: Record<string, Section>;
  const section = (name: string): Section => {
    const s = sections[name];
    if (!s) throw new Error(`section ${name} missing from the guest's output:\n${vm.output}`);
    return s;
  };

  beforeAll(async () => {
    await ensureBusyboxLayout(); // on the host: the guest's root is read-only
    const started = Date.now();
    vm = await runInVm(script(), { timeoutMs: 170_000 });
    process.stderr.write(`vm-lane: guest run took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    sections = parse(vm.output);
  }, 180_000);

  it('ran every section and reported', () => {
    expect(vm.code, vm.output).toBe(0);
    expect(Object.keys(sections).sort(), vm.output).toEqual(Object.keys(SECTIONS).sort());
  });

  it('has cpu, memory and pids available at the root', () => {
    const s = section('controllers');
    expect(s.code).toBe(0);
    expect(s.output.trim().split(/\s+/)).toEqual(expect.arrayContaining(['cpu', 'memory', 'pids']));
  });

  it('mounts a pure cgroup2 hierarchy at /sys/fs/cgroup', () => {
    const s = section('fstype');
    expect(s.code).toBe(0);
    expect(s.output.trim()).toBe('cgroup2fs');
  });

  it('runs the minibox CLI: load, then run --rm', () => {
    const s = section('cli');
    expect(s.code, s.output).toBe(0);
    expect(s.output).toMatch(/^in-vm$/m);
    // in its cgroup namespace the container sees itself at the v2 root, and only v2
    expect(s.output, s.output).toMatch(/^0::\/$/m);
    expect(s.output).not.toMatch(/^[1-9]\d*:/m);
  });

  it('--rm leaves no minibox cgroup in the guest', () => {
    const s = section('leftovers');
    expect(s.code).toBe(0);
    expect(s.output.trim()).toBe('');
  });

  it('memory.max=64M kills a 200 MB allocation (137) and counts it in memory.events', () => {
    const oom = section('oom');
    expect(oom.code, oom.output).toBe(137);
    const events = section('oomEvents');
    expect(events.code, events.output).toBe(0);
    expect(events.output).toMatch(/^oom_kill 1$/m);
  });
});
