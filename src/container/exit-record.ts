import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerState } from './state.js';

/**
 * What a detached container's C monitor leaves in containers/<id>/ (native-shim/src/monitor/record.h):
 *   started.json {pid, startedAt, restartCount}           written at every (re)start
 *   exit.json    {exitCode, finishedAt, oomKilled, restartCount}   written at every exit
 *   stopped      marker written by stop/kill: the monitor must not restart
 * An exit.json counts only when it is not older than the last start (restartCount).
 */
export interface MonitorRecord {
  started?: { pid: number; startedAt: string; restartCount: number };
  exit?: { exitCode: number; finishedAt: string; oomKilled: boolean; restartCount: number };
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // absent (or, never with rename, half-written)
  }
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function readMonitorRecord(dir: string): MonitorRecord {
  const s = readJson(path.join(dir, 'started.json'));
  const e = readJson(path.join(dir, 'exit.json'));
  const rec: MonitorRecord = {};
  if (s) rec.started = { pid: num(s.pid), startedAt: str(s.startedAt), restartCount: num(s.restartCount) };
  if (e) rec.exit = { exitCode: num(e.exitCode), finishedAt: str(e.finishedAt), oomKilled: e.oomKilled === true, restartCount: num(e.restartCount) };
  return rec;
}

/** The exit the monitor recorded for the latest start, if the container has exited since. */
export function latestExit(rec: MonitorRecord): MonitorRecord['exit'] {
  if (!rec.exit) return undefined;
  if (rec.started && rec.exit.restartCount < rec.started.restartCount) return undefined;
  return rec.exit;
}

/**
 * Fold the monitor's files into a "running" record. While the monitor lives the container is
 * running (or about to restart): the pid and start time are the latest start's. Once the monitor
 * is gone, exit.json says how it ended; without one the caller falls back to "exited".
 */
export function applyMonitorRecord(state: ContainerState, rec: MonitorRecord, monitorAlive: boolean): ContainerState {
  const exit = latestExit(rec);
  if (monitorAlive) {
    if (!rec.started) return state;
    return { ...state, pid: exit ? 0 : rec.started.pid, startedAt: rec.started.startedAt || state.startedAt };
  }
  if (!exit) return state;
  return {
    ...state,
    status: 'exited',
    pid: 0,
    exitCode: exit.exitCode,
    oomKilled: exit.oomKilled,
    finishedAt: exit.finishedAt,
    ...(rec.started?.startedAt ? { startedAt: rec.started.startedAt } : {}),
  };
}

/** The stopped marker: the monitor must not restart what the user stopped (stop, kill, rm -f). */
export function markStopped(dir: string): void {
  writeFileSync(path.join(dir, 'stopped'), '');
}

/** Before a (re)start: no marker and no record of an earlier run's start or exit. */
export function clearMonitorFiles(dir: string): void {
  for (const f of ['stopped', 'exit.json', 'started.json', 'health.json']) rmSync(path.join(dir, f), { force: true });
}
