import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { expectObject, isObject, type JsonObject } from '../util/json.js';
import { encodeProcessRecords } from '../linux/shim-process.js';
import { encodeSecurityRecords, spawnShim } from '../linux/shim.js';
import { FORWARDED_SIGNALS } from '../linux/signals.js';
import { translateBundle } from './translate.js';
import { readRecord, recordCgroup, statusOf, type RuntimeRecord } from './store.js';

/**
 * exec: a process in a running container, through the shim's setns path
 * (native-shim/src/exec/enter.c). Its description is runc's: `--process process.json` (the
 * OCI process object, as podman and containerd's shim write it), else the container's own
 * process with the command line's args and overrides. It is confined by the same translation
 * as the container (translate.ts), so one description of a process. --detach is runc's and
 * every caller's: the shim forks it with our stdio (or a pty to --console-socket) and exits,
 * leaving it to our caller, a subreaper; without it the shim waits and relays, and the exit
 * code is the process's.
 */
export interface ExecOptions {
  root: string;
  id: string;
  processFile?: string;
  args: string[];
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  tty: boolean;
  cwd?: string;
  env: string[];
  user?: string; // uid[:gid]
  additionalGids: string[];
  caps: string[];
  noNewPrivs: boolean;
  ignorePaused: boolean;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new MiniboxError(`${what} ${file} not found`, 1);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MiniboxError(`invalid ${what} ${file}: ${(err as Error).message}`, 1);
  }
}

function numberOf(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new MiniboxError(`invalid ${what} "${s}": expected a number`, 1);
  return Number(s);
}

/** The process object: process.json as given, else the container's with the flags applied. */
export function execProcess(container: JsonObject, o: ExecOptions): JsonObject {
  if (o.processFile) return expectObject(readJson(path.resolve(o.processFile), 'process file'), 'process file');
  if (o.args.length === 0) throw new MiniboxError('exec: no command given (ID [COMMAND...] or --process FILE)', 1);
  const base = isObject(container.process) ? container.process : {};
  const p: JsonObject = { ...base, args: o.args, terminal: o.tty };
  if (o.cwd) p.cwd = o.cwd;
  if (o.env.length) p.env = [...(Array.isArray(base.env) ? base.env : []), ...o.env];
  const user: JsonObject = { ...(isObject(base.user) ? base.user : {}) };
  if (o.user) {
    const [uid, gid] = o.user.split(':');
    user.uid = numberOf(uid!, '--user uid');
    user.gid = gid === undefined ? 0 : numberOf(gid, '--user gid');
  }
  if (o.additionalGids.length) user.additionalGids = o.additionalGids.map((g) => numberOf(g, '--additional-gids'));
  p.user = user;
  if (o.caps.length) {
    const caps = isObject(base.capabilities) ? base.capabilities : {};
    const add = (k: string) => [...new Set([...(Array.isArray(caps[k]) ? (caps[k] as string[]) : []), ...o.caps])];
    p.capabilities = { ...caps, bounding: add('bounding'), effective: add('effective'), permitted: add('permitted') };
  }
  if (o.noNewPrivs) p.noNewPrivileges = true;
  return p;
}

function mustRun(root: string, id: string): RuntimeRecord {
  const rec = readRecord(root, id);
  if (!rec) throw new MiniboxError(`container "${id}" is being created`, 1);
  const status = statusOf(root, rec);
  if (status === 'stopped') throw new MiniboxError('cannot exec in a stopped container', 1);
  return rec;
}

/** The shim's exec records (native-shim/src/config: pid=, cwd=, arg=, env=, user=, sec.*). */
function execRecords(o: ExecOptions, rec: RuntimeRecord, proc: JsonObject, container: JsonObject): { records: string[]; tty: boolean } {
  const tty = proc.terminal === true;
  if (o.detach && tty && !o.consoleSocket) throw new MiniboxError('cannot allocate tty if minibox-runtime will detach without setting console socket', 1);
  if (o.consoleSocket && (!tty || !o.detach)) throw new MiniboxError('cannot use console socket if minibox-runtime will not detach or allocate tty', 1);
  const cgroup = recordCgroup(rec);
  // the container's translation with this process: its user, caps, seccomp, no_new_privs
  const t = translateBundle({ id: o.id, bundle: rec.bundle, raw: { ...container, process: { ...proc, terminal: false } }, cgroup, seccompCacheDir: path.join(o.root, '.seccomp') });
  const records = [`pid=${rec.pid}`, `cwd=${t.shim.cwd}`];
  for (const g of cgroup.joinPaths) records.push(`cgroup=${g}`);
  for (const a of t.shim.args) records.push(`arg=${a}`);
  for (const e of t.shim.env) records.push(`env=${e}`);
  if (t.shim.user) records.push(`user=${t.shim.user}`);
  if (t.shim.process?.groupAdd) records.push(...encodeProcessRecords({ groupAdd: t.shim.process.groupAdd }));
  // masked and read-only paths are the container's mounts already: not again
  if (t.shim.security) records.push(...encodeSecurityRecords({ ...t.shim.security, privileged: false, maskedPaths: [], readonlyPaths: [] }));
  if (tty) records.push('tty=1');
  if (o.detach) {
    records.push('nomonitor=1');
    if (tty) records.push(`consolesocket=${path.resolve(o.consoleSocket!)}`);
  } else if (!tty) {
    records.push('stdin=1');
  }
  if (records.some((r) => r.includes('\0'))) throw new MiniboxError('invalid argument: NUL byte in the process', 1);
  return { records, tty };
}

export async function execCommand(o: ExecOptions): Promise<number> {
  const rec = mustRun(o.root, o.id);
  const cgroup = recordCgroup(rec);
  if (!o.ignorePaused && cgroup.freezerState() !== 'thawed') throw new MiniboxError('cannot exec in a paused container (use --ignore-paused to override)', 1);
  const container = expectObject(readJson(path.join(rec.bundle, 'config.json'), 'config.json'), 'config.json');
  const proc = execProcess(container, o);
  const { records, tty } = execRecords(o, rec, proc, container);
  const bytes = Buffer.from(records.map((r) => `${r}\0`).join(''));
  // detached: our stdio is the process's as given; else the shim relays it (or our terminal)
  const shim = spawnShim('exec', bytes, 'inherit', { tty: tty && !o.detach });
  const forward = (s: NodeJS.Signals) => shim.child.kill(s);
  if (!o.detach) for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  const exited = new Promise<number>((resolve) => shim.child.on('exit', (code) => resolve(code ?? 255)));
  let status: number | undefined;
  let pid = 0;
  try {
    for await (const ev of shim.events) {
      if (ev.kind === 'error') throw new MiniboxError(ev.message.replace(/^minibox: /, ''), ev.code || 1);
      if (ev.kind === 'pid') {
        pid = ev.pid;
        if (o.pidFile) await writeFileAtomic(path.resolve(o.pidFile), String(pid));
      }
      if (ev.kind === 'exit') status = ev.status;
    }
    const code = await exited;
    if (o.detach) {
      if (!pid || code !== 0) throw new MiniboxError('exec: the process did not start', 1);
      return 0;
    }
    return status ?? code;
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
}
