import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { runInVm } from '../vm/run-in-vm.mjs';

/**
 * The cgroup v2 lane: a qemu guest (test/vm/) with a pure v2 hierarchy, running this
 * checkout read-only. One boot for the whole file (~10-25 s under TCG): every check is a
 * section of one script, its output and status parsed back out. The checkout may sit in a
 * folder named minibox (run-in-vm binds it back under /tmp): nothing here may mistake it
 * for something minibox made.
 */
const SECTIONS: Record<string, string> = {
  controllers: 'cat /sys/fs/cgroup/cgroup.controllers',
  fstype: 'stat -f -c %T /sys/fs/cgroup',
  cli: [
    'node bin/minibox load -i images/busybox/out/busybox-oci',
    "node bin/minibox run --rm --network none busybox sh -c 'echo in-vm; cat /proc/self/cgroup'",
  ].join(' && '),
  // minibox's memory limit on v2: the container's own cgroup kills a 200 MB allocation, and
  // minibox says so (exit 137, OOMKilled). dd, not node: an OOM-killed node takes seconds to
  // die in the guest (its pages are re-read over 9p)
  oom: 'node bin/minibox run --name oom --network none -m 64m busybox dd if=/dev/zero of=/dev/null bs=200M count=1',
  oomState: "node bin/minibox inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}' oom && node bin/minibox rm oom >/dev/null",
  // what run --rm and rm must leave: no minibox cgroup (<root>/minibox/<id>) in the guest
  leftovers: 'find /sys/fs/cgroup -name minibox',
  // and no mount under its state root (the checkout's own bind mount is not one of those)
  mounts: 'awk -v r="$MINIBOX_ROOT" \'index($2, r) == 1\' /proc/self/mounts',
};

// one state root for all sections (each runs in its own subshell), named like the suite's
const PREAMBLE = 'export MINIBOX_ROOT=$(mktemp -d /tmp/minibox-test-XXXXXX)';

interface Section {
  code: number;
  output: string;
}

function script(): string {
  const sections = Object.entries(SECTIONS).map(([name, cmd]) => `echo '@@@begin ${name}'; ( ${cmd} ) 2>&1; echo "@@@end $?"`);
  return [PREAMBLE, ...sections].join('\n');
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

  it('run --rm and rm leave no minibox cgroup and no mount under its state root', () => {
    const s = section('leftovers');
    expect(s.code).toBe(0);
    expect(s.output.trim()).toBe('');
    const m = section('mounts');
    expect(m.code, m.output).toBe(0);
    expect(m.output.trim()).toBe('');
  });

  it("-m 64m: minibox's cgroup OOM-kills a 200 MB allocation; exit 137 and OOMKilled true", () => {
    const oom = section('oom');
    expect(oom.code, oom.output).toBe(137);
    const state = section('oomState');
    expect(state.code, state.output).toBe(0);
    expect(state.output.trim(), state.output).toBe('true 137 exited');
  });
});
