import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * What minibox left on the host, found by name: everything it creates carries "minibox"
 * (veth names "mbx"). The same checks as the project's shared leakcheck tool, carried by
 * the test suite itself so it works in a clone with nothing beside it.
 */
export function leakcheck(): string[] {
  // A container removed a moment ago may still be on its way out (its monitor removing the
  // cgroup, the kernel tearing down the netns): give it up to 3 s before calling it a leak.
  let found = scan();
  for (let i = 0; i < 30 && found.length > 0; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    found = scan();
  }
  return found;
}

function scan(): string[] {
  return [...leakedMounts(), ...leakedCgroups(), ...leakedLinks(), ...leakedProcesses(), ...leakedRules()];
}

function leakedMounts(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((target) => target.includes('minibox'))
    .map((t) => `mount:   ${t}`);
}

function findDirs(dir: string, depth: number, out: string[]): void {
  if (depth === 0) return;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      continue;
    }
    if (!isDir) continue;
    if (name.includes('minibox')) out.push(`cgroup:  ${p}`);
    else findDirs(p, depth - 1, out);
  }
}

function leakedCgroups(): string[] {
  const out: string[] = [];
  findDirs('/sys/fs/cgroup', 5, out);
  return [...new Set(out)];
}

function leakedLinks(): string[] {
  return readdirSync('/sys/class/net')
    .filter((l) => l.startsWith('minibox') || l.startsWith('mbx'))
    .map((l) => `link:    ${l}`);
}

function leakedProcesses(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!comm.startsWith('minibox')) continue;
      // an exited monitor, reparented to init, stays a zombie until init reaps it: it holds
      // nothing (no mount, cgroup or link), so it is not a leak
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      out.push(`process: ${pid} ${comm}`);
    } catch {
      // gone already
    }
  }
  return out;
}

function leakedRules(): string[] {
  try {
    const rules = execFileSync('iptables-save', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const n = rules.split('\n').filter((l) => /minibox/i.test(l)).length;
    return n > 0 ? [`iptables: ${n} rules mention minibox`] : [];
  } catch {
    return []; // no iptables on this machine: nothing of ours there either
  }
}
