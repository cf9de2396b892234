import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError, errnoCode } from '../util/errors.js';
import { expectObject, isObject, type JsonObject } from '../util/json.js';
import { type Limits } from '../linux/cgroups/index.js';
import { cgroupPids } from './commands.js';
import { runtimeOnlyLimits } from './resources.js';
import { readRecord, recordCgroup, statusOf, type RuntimeRecord } from './store.js';

/** ps, pause, resume, update: a running container's cgroup (src/linux/cgroups). */
function mustRecord(root: string, id: string): RuntimeRecord {
  const rec = readRecord(root, id);
  if (!rec) throw new MiniboxError(`container "${id}" is being created`, 1);
  return rec;
}

function mustBeLive(root: string, id: string): RuntimeRecord {
  const rec = mustRecord(root, id);
  if (statusOf(root, rec) === 'stopped') throw new MiniboxError('container not running', 1);
  return rec;
}

/** ps: json is runc's array of host pids; table is ps(1)'s output (-ef or the args) for those. */
export function psCommand(root: string, id: string, format: string, psArgs: string[]): string {
  const rec = mustRecord(root, id);
  const pids = statusOf(root, rec) === 'stopped' ? [] : cgroupPids(rec).sort((a, b) => a - b);
  if (format === 'json') return `${JSON.stringify(pids)}\n`;
  if (format !== 'table') throw new MiniboxError(`invalid format option: ${format} (table or json)`, 1);
  const out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  const [header = '', ...lines] = out.split('\n');
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col === -1) throw new MiniboxError('ps: the output has no PID column', 1);
  const keep = new Set(pids);
  return [header, ...lines.filter((l) => keep.has(Number(l.trim().split(/\s+/)[col])))].join('\n') + '\n';
}

export async function pauseCommand(root: string, id: string): Promise<void> {
  const rec = mustBeLive(root, id);
  if (statusOf(root, rec) === 'created') throw new MiniboxError('cannot pause a container that is not running: created', 1);
  await recordCgroup(rec).freeze();
}

export async function resumeCommand(root: string, id: string): Promise<void> {
  const rec = mustBeLive(root, id);
  if (statusOf(root, rec) !== 'paused') throw new MiniboxError('container not paused', 1);
  await recordCgroup(rec).thaw();
}

/** runc's sizes: bytes, or with k/m/g (KiB, MiB, GiB; a trailing b or ib allowed); -1 unlimited. */
export function parseSize(s: string, what: string): number {
  const m = /^(-1|\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw new MiniboxError(`invalid value for ${what}: ${s} (bytes, or a number with k, m or g)`, 1);
  if (m[1] === '-1') return -1;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * mult);
}

function intOf(s: string, what: string): number {
  if (!/^-?\d+$/.test(s)) throw new MiniboxError(`invalid value for ${what}: ${s} (an integer)`, 1);
  return Number(s);
}

function num(o: JsonObject, key: string, what: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new MiniboxError(`invalid resources ${what}.${key}: expected a number`, 1);
  return v;
}

/** The LinuxResources document of `update --resources` (config-linux.md), as cgroup limits. */
export function limitsOfResources(raw: unknown): Limits {
  const r = expectObject(raw, 'resources');
  const l: Limits = {};
  const mem = isObject(r.memory) ? r.memory : {};
  const cpu = isObject(r.cpu) ? r.cpu : {};
  const pids = isObject(r.pids) ? r.pids : {};
  const set = <K extends keyof Limits>(k: K, v: Limits[K] | undefined) => v !== undefined && (l[k] = v);
  set('memory', num(mem, 'limit', 'memory'));
  set('memoryReservation', num(mem, 'reservation', 'memory'));
  set('memorySwap', num(mem, 'swap', 'memory'));
  set('cpuShares', num(cpu, 'shares', 'cpu'));
  set('cpuQuota', num(cpu, 'quota', 'cpu'));
  set('cpuPeriod', num(cpu, 'period', 'cpu'));
  if (typeof cpu.cpus === 'string' && cpu.cpus !== '') l.cpusetCpus = cpu.cpus;
  set('pids', num(pids, 'limit', 'pids'));
  return { ...l, ...runtimeOnlyLimits(r, 'resources') };
}

/** runc update's flags over --resources (flags win, as in runc). */
export function limitsOfFlags(flags: Record<string, unknown>): Limits {
  const l: Limits = {};
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const size = (k: string) => (str(k) !== undefined ? parseSize(str(k)!, `--${k}`) : undefined);
  const int = (k: string) => (str(k) !== undefined ? intOf(str(k)!, `--${k}`) : undefined);
  const put = <K extends keyof Limits>(k: K, v: Limits[K] | undefined) => v !== undefined && (l[k] = v);
  put('memory', size('memory'));
  put('memorySwap', size('memory-swap'));
  put('memoryReservation', size('memory-reservation'));
  put('cpuQuota', int('cpu-quota'));
  put('cpuPeriod', int('cpu-period'));
  put('cpuShares', int('cpu-share'));
  put('cpusetCpus', str('cpuset-cpus'));
  put('pids', int('pids-limit'));
  const blkioWeight = int('blkio-weight');
  if (blkioWeight !== undefined) {
    if (blkioWeight !== 0 && (blkioWeight < 10 || blkioWeight > 1000)) throw new MiniboxError(`invalid value for --blkio-weight: ${blkioWeight} (10..1000)`, 1);
    l.blockIO = blkioWeight ? { weight: blkioWeight } : {};
  }
  for (const k of ['kernel-memory', 'kernel-memory-tcp', 'cpu-rt-period', 'cpu-rt-runtime', 'cpuset-mems', 'l3-cache-schema', 'mem-bw-schema']) {
    if (str(k) !== undefined) throw new MiniboxError(`update --${k} is not supported by minibox-runtime`, 1);
  }
  return l;
}

function readResources(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new MiniboxError(`resources file ${file} not found`, 1);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MiniboxError(`invalid resources file ${file}: ${(err as Error).message}`, 1);
  }
}

export function updateCommand(root: string, id: string, flags: Record<string, unknown>): void {
  const rec = mustBeLive(root, id);
  const fromFile = typeof flags.resources === 'string' ? limitsOfResources(readResources(flags.resources)) : {};
  const fromFlags = limitsOfFlags(flags);
  const limits = { ...fromFile, ...fromFlags };
  // --blkio-weight over the file's blockIO, not instead of its throttles
  if (fromFile.blockIO && fromFlags.blockIO) limits.blockIO = { ...fromFile.blockIO, ...fromFlags.blockIO };
  if (Object.keys(limits).length === 0) throw new MiniboxError('update: nothing to update (--resources FILE or a limit flag)', 1);
  recordCgroup(rec).apply(limits);
}
