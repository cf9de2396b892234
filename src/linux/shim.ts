import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { MiniboxError } from '../util/errors.js';
import { encodeMountRecords, type ShimMount } from './shim-mounts.js';
import { encodeProcessRecords, type ShimProcessOptions } from './shim-process.js';
import { relayShimTrace, traceConfigRecord } from './shim-trace.js';
import { trace } from '../util/trace-events.js';

/**
 * Starts native-shim's `minibox-shim run` and speaks its protocol:
 *   fd 3 (config in):  NUL-terminated `key=value` records
 *   fd 4 (report out): `pid N` | `error CODE MESSAGE` | `exit STATUS` lines
 * The shim is spawned, never forked from Node: a multi-threaded runtime cannot safely
 * clone into namespaces, which is why that part is C (see runc's nsexec).
 */
export interface ShimConfig {
  id: string;
  rootfs: string;
  lowerDirs: string[]; // bottom → top (the shim wants top first; converted here)
  upper: string;
  work: string;
  hostname: string;
  cwd: string;
  args: string[];
  env: string[];
  cgroups: string[];
  cgroupView?: string; // "v2" | "v1:<hierarchies>": the container's /sys/fs/cgroup
  netRecords?: string[]; // "net.*" records from engine/network.ts (native-shim/src/config/netconfig.h)
  run?: ShimRunOptions; // detached monitor, tty, restart (native-shim/src/config/runopts.h)
  user?: string; // name|uid[:group|gid], resolved by the shim in the container's passwd (common/userdb.h)
  deviceFilter?: ShimDeviceFilter; // v2: the eBPF device program to attach (native-shim/src/config/devconfig.h)
  deviceNodes?: ShimDeviceNode[]; // extra nodes for the container's /dev (--device, --privileged)
  process?: ShimProcessOptions; // --group-add, rlimits (shim-process.ts)
  mounts?: ShimMount[]; // -v, --mount, --tmpfs (shim-mounts.ts)
  readonlyRootfs?: boolean; // --read-only
  security?: ShimSecurity; // the sec.* keys (native-shim/src/config/security.h); absent: unconfined
}

/** Confinement, compact: capability sets as 64-bit hex masks, seccomp as flat rules. */
export interface ShimSecurity {
  privileged: boolean;
  caps?: { bounding: string; effective: string; permitted: string; inheritable: string; ambient: string };
  noNewPrivileges: boolean;
  maskedPaths: string[];
  readonlyPaths: string[];
  seccomp?: ShimSeccomp;
}

/**
 * seccomp for the shim: `default` and each rule's action as `allow`, `errno:N`, `kill`,
 * `kill_process`, `kill_thread`, `trap`, `trace:N`, `log`; a rule's args as
 * `INDEX:OP:VALUE[:VALUETWO]`, OP one of ne lt le eq ge gt masked_eq.
 */
export interface ShimSeccomp {
  defaultAction: string;
  architectures: string[]; // libseccomp names: x86_64, x86, x32, aarch64, arm
  rules: { action: string; names: string[]; args: string[] }[];
  cacheDir?: string; // where the shim keeps compiled filters, named by a hash of these records
}

export function encodeSecurityRecords(s: ShimSecurity | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  if (s.privileged) out.push('sec.privileged=1');
  if (s.caps) for (const k of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) out.push(`sec.${k}=${s.caps[k]}`);
  if (s.noNewPrivileges) out.push('sec.nnp=1');
  for (const p of s.maskedPaths) out.push(`sec.masked=${p}`);
  for (const p of s.readonlyPaths) out.push(`sec.readonly=${p}`);
  if (s.seccomp) {
    const filter = [`sec.seccomp.default=${s.seccomp.defaultAction}`];
    for (const a of s.seccomp.architectures) filter.push(`sec.seccomp.arch=${a}`);
    for (const r of s.seccomp.rules) filter.push(`sec.seccomp.rule=${[r.action, r.names.join(','), ...r.args].join(' ')}`);
    out.push(...filter);
    // compiling Docker's profile costs libseccomp ~10 ms a run: the shim keeps the program, keyed by what it compiles
    if (s.seccomp.cacheDir) out.push(`sec.seccomp.cache=${s.seccomp.cacheDir}/${createHash('sha256').update(`v2\0${filter.join('\0')}`).digest('hex')}.bpf`);
  }
  return out;
}

/** The device rules left in force (a default and its exceptions, kernel syntax: `c 1:3 rwm`). */
export interface ShimDeviceFilter {
  defaultAllow: boolean;
  exceptions: string[];
}

export interface ShimDeviceNode {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** dev.policy / dev.rule / dev.node records; the node's path last, so it may hold spaces. */
export function encodeDeviceRecords(c: Pick<ShimConfig, 'deviceFilter' | 'deviceNodes'>): string[] {
  const out: string[] = [];
  if (c.deviceFilter) {
    out.push(`dev.policy=${c.deviceFilter.defaultAllow ? 'allow' : 'deny'}`);
    for (const r of c.deviceFilter.exceptions) out.push(`dev.rule=${r}`);
  }
  for (const n of c.deviceNodes ?? []) {
    out.push(`dev.node=${n.type} ${n.major} ${n.minor} ${n.fileMode.toString(8)} ${n.uid} ${n.gid} ${n.path}`);
  }
  return out;
}

/** How the container runs: the keys of native-shim/src/config/runopts.h. */
export interface ShimRunOptions {
  detach?: boolean;
  tty?: boolean;
  stdin?: boolean;
  log?: string; // json-file log (detached)
  statedir?: string; // containers/<id>: started.json, exit.json, stopped
  oom?: string; // the cgroup file with the oom_kill counter
  restart?: string; // no | always | unless-stopped | on-failure[:N]
  nshold?: boolean; // foreground bridge run: keep the netns past the exit (see startShim)
  preserveFds?: number; // minibox-runtime --preserve-fds: our fds 3..3+N-1 passed on (native-shim/src/run/preserve_fds.h)
  autoremove?: string[]; // run -d --rm: argv the monitor execs once the container is gone (monitor/autoremove.h)
  health?: ShimHealth; // the detached monitor's check (native-shim/src/config/healthconfig.h)
}

/** A health check: argv run inside the container, times in ms. */
export interface ShimHealth {
  args: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  retries: number;
}

function encodeHealth(h: ShimHealth): string[] {
  return [
    ...h.args.map((a) => `health.arg=${a}`),
    `health.interval_ms=${h.intervalMs}`,
    `health.timeout_ms=${h.timeoutMs}`,
    `health.start_ms=${h.startPeriodMs}`,
    `health.retries=${h.retries}`,
  ];
}

export function encodeRunOptions(o: ShimRunOptions | undefined): string[] {
  if (!o) return [];
  const out: string[] = [];
  if (o.detach) out.push('detach=1');
  if (o.tty) out.push('tty=1');
  if (o.stdin) out.push('stdin=1');
  for (const k of ['log', 'statedir', 'oom', 'restart'] as const) if (o[k]) out.push(`${k}=${o[k]}`);
  if (o.nshold) out.push(`nshold=${HOLD_FD}`);
  if (o.health) out.push(...encodeHealth(o.health));
  for (const a of o.autoremove ?? []) out.push(`autoremove.arg=${a}`);
  return out;
}

export function shimPath(): string {
  if (process.env.MINIBOX_SHIM) return process.env.MINIBOX_SHIM;
  const here = path.dirname(fileURLToPath(import.meta.url)); // dist/linux
  return path.resolve(here, '..', '..', 'native-shim', 'build', 'minibox-shim');
}

export function encodeShimConfig(c: ShimConfig): Buffer {
  const records: string[] = [`id=${c.id}`, `rootfs=${c.rootfs}`];
  for (const l of [...c.lowerDirs].reverse()) records.push(`lower=${l}`);
  records.push(`upper=${c.upper}`, `work=${c.work}`, `hostname=${c.hostname}`, `cwd=${c.cwd}`);
  for (const a of c.args) records.push(`arg=${a}`);
  for (const e of c.env) records.push(`env=${e}`);
  for (const g of c.cgroups) records.push(`cgroup=${g}`);
  if (c.cgroupView) records.push(`cgroupfs=${c.cgroupView}`);
  if (c.netRecords) records.push(...c.netRecords);
  if (c.user) records.push(`user=${c.user}`);
  records.push(...encodeProcessRecords(c.process));
  records.push(...encodeMountRecords(c.mounts, c.readonlyRootfs));
  records.push(...encodeDeviceRecords(c));
  records.push(...encodeSecurityRecords(c.security));
  records.push(...encodeRunOptions(c.run));
  for (const r of records) {
    if (r.includes('\0')) throw new MiniboxError(`invalid argument: NUL byte in ${r.slice(0, r.indexOf('='))}`);
  }
  return Buffer.from(records.map((r) => `${r}\0`).join(''));
}

export type ShimEvent =
  | { kind: 'pid'; pid: number }
  | { kind: 'error'; code: number; message: string }
  | { kind: 'exit'; status: number }
  | { kind: 'monitor'; pid: number } // detached: the monitor's pid
  | { kind: 'started' }; // detached: running, the report ends here

export function parseShimLine(line: string): ShimEvent | undefined {
  const [word, rest = ''] = splitOnce(line, ' ');
  if (word === 'pid') return { kind: 'pid', pid: Number(rest) };
  if (word === 'exit') return { kind: 'exit', status: Number(rest) };
  if (word === 'monitor') return { kind: 'monitor', pid: Number(rest) };
  if (word === 'started') return { kind: 'started' };
  if (word === 'error') {
    const [code, message = ''] = splitOnce(rest, ' ');
    return { kind: 'error', code: Number(code), message };
  }
  return undefined;
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i === -1 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

export interface RunningShim {
  child: ChildProcess;
  events: AsyncIterable<ShimEvent>;
  /** With holdNetns: let the shim go (it keeps the container's netns until then). */
  release(): void;
}

/**
 * Spawn the shim in its own session (so terminal signals reach only us, and we forward them).
 * With a terminal (-t in the foreground) it stays in ours instead: it owns the tty (raw mode,
 * SIGWINCH) and Ctrl-C travels through the pty. Detached, nothing of Node's stdio is shared.
 * The shim gets our stdio but never hands it on: the container's are pipes it relays (or its
 * own pty), in a session of its own, so it cannot reach the caller's terminal (TIOCSTI).
 */
/**
 * run.nshold (foreground, bridge network): after reporting `exit` the shim keeps the
 * container's network namespace until release(), so the veth is still ours to delete in
 * one kernel batch with an idle bridge (native-shim/src/net/nshold.c) rather than
 * being unregistered by the kernel in a batch of its own.
 */
export function startShim(config: ShimConfig, stdin: 'inherit' | 'ignore', output?: ShimOutput): RunningShim {
  return spawnShim('run', encodeShimConfig(config), stdin, config.run ?? {}, output);
}

/** Where a foreground shim's stdout and stderr go instead of ours (build -q keeps RUN's output back). */
export type ShimOutput = (chunk: Buffer) => void;

const HOLD_FD = 5; // nshold: EOF on it lets the shim go

export function spawnShim(subcommand: 'run' | 'exec', configBytes: Buffer, stdin: 'inherit' | 'ignore', run: ShimRunOptions, output?: ShimOutput): RunningShim {
  const bin = shimPath();
  if (!existsSync(bin)) throw new MiniboxError(`the shim ${bin} is missing: run 'npm run build' (or the setup script) first`);
  const out = run.detach ? 'ignore' : output ? 'pipe' : 'inherit';
  const terminal = run.tty === true && !run.detach;
  const stdio: Array<'pipe' | 'ignore' | 'inherit'> = [stdin, out, out, 'pipe', 'pipe'];
  if (run.nshold) stdio.push('pipe'); // HOLD_FD
  const traceFd = trace.on ? stdio.push('pipe') - 1 : -1; // --explain only (shim-trace.ts)
  // our fds 3.. after the shim's own (config and report hold 3 and 4); it moves them to 3.. in the container
  const preserveFrom = stdio.length;
  const preserved = Array.from({ length: run.preserveFds ?? 0 }, (_, i) => 3 + i);
  const child = spawn(bin, [subcommand], { stdio: [...stdio, ...preserved], detached: !terminal });
  if (out === 'pipe' && output) {
    child.stdout?.on('data', output);
    child.stderr?.on('data', output);
  }
  const configPipe = child.stdio[3] as Writable;
  configPipe.on('error', () => undefined); // the shim may exit early; its report says why
  const preserveRecord = preserved.length ? Buffer.from(`preservefds=${preserveFrom}:${preserved.length}\0`) : Buffer.alloc(0);
  configPipe.end(Buffer.concat([configBytes, preserveRecord, ...(traceFd < 0 ? [] : [traceConfigRecord(traceFd)])]));
  const holdPipe = run.nshold ? (child.stdio as unknown as Array<Writable | null>)[HOLD_FD] : undefined;
  holdPipe?.on('error', () => undefined);
  const traced = traceFd < 0 ? undefined : relayShimTrace((child.stdio as unknown as Readable[])[traceFd] as Readable);
  return { child, events: readEvents(child.stdio[4] as Readable, traced), release: () => holdPipe?.destroy() };
}

async function* readEvents(report: Readable, traced?: Promise<void>): AsyncIterable<ShimEvent> {
  let buffered = '';
  for await (const chunk of report) {
    buffered += String(chunk);
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const ev = parseShimLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      // --explain: the shim's last trace lines come before what follows its final report
      if (traced && ev && ev.kind !== 'pid' && ev.kind !== 'monitor') await traced;
      if (ev) yield ev;
    }
  }
}
