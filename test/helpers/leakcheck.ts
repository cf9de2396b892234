import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMiniboxStatePath } from './state-roots.js';

/**
 * What minibox left on the host, found by what minibox itself makes (never by "a path
 * contains the word minibox": a checkout usually sits in a folder named minibox):
 *   mounts    at or under a test state root, /var/lib/minibox or /run/minibox (state-roots.ts)
 *   cgroups   the "minibox" parent of <hierarchy>/minibox/<id> (src/linux/cgroups, v1 and v2)
 *   links     minibox* (bridges: minibox0) and mbx* (veths mbx<id>, bridges mbxbr<id>)
 *   processes minibox-shim (the C shim and monitors), unless a zombie
 *   iptables  the MINIBOX and MINIBOX-* chains (src/linux/network/iptables.ts)
 * Carried by the test suite itself so it works in a clone with nothing beside it.
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
    .map((l) => unescapeMountPath(l.split(' ')[1] ?? ''))
    .filter((target) => target !== '' && isMiniboxStatePath(target))
    .map((t) => `mount:   ${t}`);
}

/** /proc/self/mounts writes space, tab, newline and backslash as octal escapes (\040). */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** <hierarchy>/minibox: the v2 root's, or under each v1 controller mount (memory, cpu,cpuacct ...). */
function leakedCgroups(): string[] {
  const base = '/sys/fs/cgroup';
  const candidates = [path.join(base, 'minibox')];
  for (const name of safeReaddir(base)) candidates.push(path.join(base, name, 'minibox'));
  return candidates.filter(isDir).map((p) => `cgroup:  ${p}`);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
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
      if (comm !== 'minibox-shim') continue;
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

// a chain of ours, as a whole word: ":MINIBOX - [0:0]", "-A MINIBOX-FORWARD ...", "-j MINIBOX", "MINIBOX-ISOLATION-STAGE-1"
const OUR_CHAIN = /(^|[\s:])MINIBOX(-[A-Z0-9_]+)*(\s|$)/;

/** The lines of an iptables-save dump that declare, fill or jump to one of minibox's chains. */
export function ourRuleLines(dump: string): string[] {
  return dump.split('\n').filter((l) => OUR_CHAIN.test(l));
}

function leakedRules(): string[] {
  try {
    const rules = execFileSync('iptables-save', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const n = ourRuleLines(rules).length;
    return n > 0 ? [`iptables: ${n} rules use the MINIBOX chains`] : [];
  } catch {
    return []; // no iptables on this machine: nothing of ours there either
  }
}
