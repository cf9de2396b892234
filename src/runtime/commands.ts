import { closeSync, constants, existsSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { parseSignal, SIGKILL } from '../linux/signals.js';
import { isProcessAlive, waitProcessGone } from '../linux/proc/liveness.js';
import { containerCgroup, removeCreatedCgroupDirs } from '../linux/cgroups/index.js';
import { CAPABILITY_NAMES } from '../container/security/capabilities.js';
import { defaultSpec, OCI_VERSION } from './default-spec.js';
import { cgroupName, recordCgroup } from './store.js';
import { cgroupDirsToRemove } from './cgroups-path.js';
import { afterDelete, afterStart, HOOK_KINDS } from './hooks.js';
import { execFifo, listIds, notExist, readRecord, removeDir, stateOf, statusOf, type OciState, type RuntimeRecord } from './store.js';

/** The commands past create/run (launch.ts): each a small function over the store. */
export function specCommand(bundle: string, rootless: boolean): void {
  const file = path.join(bundle, 'config.json');
  if (existsSync(file)) throw new MiniboxError(`File ${file} exists. Remove it first`, 1);
  writeFileSync(file, `${JSON.stringify(defaultSpec(rootless, process.getuid?.() ?? 0, process.getgid?.() ?? 0), null, '\t')}\n`, { mode: 0o644 });
}

function mustRecord(root: string, id: string): RuntimeRecord {
  const rec = readRecord(root, id);
  if (!rec) throw new MiniboxError(`container "${id}" is being created`, 1);
  return rec;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * start: the held init goes on (native-shim/src/run/oci_start.h). It blocks opening exec.fifo
 * for writing; our open for reading lets it through, it runs the startContainer hooks, and
 * its one byte says it is past them, so poststart (afterStart) comes after startContainer as
 * the spec orders. Those hooks take as long as they take (a hook's own timeout is the only
 * bound, as in runc), so there is no budget here: non-blocking, checking the init between
 * reads, a container killed while created (or a failed hook) is an error, never a hang.
 */
export function startCommand(root: string, id: string): void {
  const rec = mustRecord(root, id);
  const status = statusOf(root, rec);
  if (status === 'stopped') throw new MiniboxError('cannot start a container that has stopped', 1);
  if (status !== 'created') throw new MiniboxError('cannot start an already running container', 1);
  const fifo = execFifo(root, id);
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new MiniboxError('cannot start a container that has stopped', 1);
    throw err;
  }
  try {
    const byte = Buffer.alloc(1);
    for (;;) {
      let n = 0;
      try {
        n = readSync(fd, byte, 0, 1, null);
      } catch (err) {
        if (errnoCode(err) !== 'EAGAIN') throw err;
      }
      if (n === 1) break;
      if (!isProcessAlive(rec.pid, rec.pidStartTime)) throw new MiniboxError('cannot start a container that has stopped', 1);
      sleepSync(1);
    }
  } finally {
    closeSync(fd);
  }
  rmSync(fifo, { force: true });
  afterStart(root, rec);
}

export function stateCommand(root: string, id: string): OciState {
  return stateOf(root, id);
}

/** The container's processes: every pid in its cgroups (each hierarchy lists them all). */
export function cgroupPids(rec: Pick<RuntimeRecord, 'cgroupPaths'>): number[] {
  const pids = new Set<number>();
  for (const dir of rec.cgroupPaths) {
    try {
      for (const line of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
    } catch {
      // a hierarchy without this container (or gone)
    }
  }
  return [...pids];
}

function signalPid(pid: number, sig: number): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if (errnoCode(err) !== 'ESRCH') throw err;
  }
}

/**
 * runc's destroy: in a pid namespace shared with the host (host-namespaces.ts) the init's exit
 * ends nothing else; what it left in its cgroups is killed (their rmdir waits for them).
 */
export function killLeftInCgroups(cgroupPaths: string[]): void {
  for (const pid of cgroupPids({ cgroupPaths })) signalPid(pid, SIGKILL);
}

export function killCommand(root: string, id: string, signal: string, all: boolean): void {
  const sig = parseSignal(signal);
  const rec = mustRecord(root, id);
  const status = statusOf(root, rec);
  if (status === 'stopped') throw new MiniboxError('container not running', 1);
  if (all) for (const pid of cgroupPids(rec)) signalPid(pid, sig);
  signalPid(rec.pid, sig);
}

export async function deleteCommand(root: string, id: string, force: boolean): Promise<void> {
  let rec: RuntimeRecord | undefined;
  try {
    rec = readRecord(root, id);
  } catch (err) {
    // runc: delete --force of a container that is not there is no error; its cgroup (if a
    // crash left one) goes all the same
    if (force && err instanceof MiniboxError && /does not exist/.test(err.message)) {
      await containerCgroup(cgroupName(id)).remove();
      return;
    }
    throw err;
  }
  if (rec) {
    const status = statusOf(root, rec);
    if (status === 'running' && !force) throw new MiniboxError(`cannot delete container ${id} that is not stopped: running`, 1);
    if (status !== 'stopped') {
      for (const pid of cgroupPids(rec)) signalPid(pid, SIGKILL);
      signalPid(rec.pid, SIGKILL);
      // a frozen task gets its SIGKILL once thawed
      if (status === 'paused') await recordCgroup(rec).thaw();
      await waitProcessGone(rec.pid, rec.pidStartTime, 10_000);
    } else {
      killLeftInCgroups(rec.cgroupPaths);
    }
    // the monitor records the exit and removes the cgroup; wait for it so nothing outlives delete
    if (rec.monitorPid) await waitProcessGone(rec.monitorPid, undefined, 10_000);
  } else if (!force) {
    throw new MiniboxError(`cannot delete container ${id} that is not stopped: creating`, 1);
  }
  // a record made with cgroupsPath says which directories were ours; older ones (and none) the default
  if (rec?.cgroupsPath) await removeCreatedCgroupDirs(cgroupDirsToRemove(rec.cgroupsPath, rec.cgroupCreated, rec.cgroupPaths), rec.cgroupPaths);
  else await containerCgroup(cgroupName(id)).remove();
  afterDelete(root, rec);
  removeDir(root, id);
}

export function listCommand(root: string): OciState[] {
  const out: OciState[] = [];
  for (const id of listIds(root)) {
    try {
      out.push(stateOf(root, id));
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

/** list's table, as runc prints it (tab-aligned columns). */
export function formatList(states: OciState[]): string {
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, 'root'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n';
}

/** features.md: what this runtime implements. */
export function featuresDocument(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION,
    hooks: [...HOOK_KINDS],
    mountOptions: ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'bind', 'rbind', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'relatime', 'strictatime', 'noatime'],
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup', 'user'],
      capabilities: [...CAPABILITY_NAMES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        actions: ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'],
        operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
        archs: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'io.minibox.runtime.version': '0.1.0' },
  };
}

export { notExist };
