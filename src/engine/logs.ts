import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { logFileSize, logPath, parseLogLines, readLogFrom, type LogEntry } from '../container/log-file.js';
import { reconcile } from './containers.js';

export type { LogEntry };

/**
 * `logs`: the json-file log the C monitor writes (container/log-file.ts), filtered by --since/--tail.
 * Following polls the file until the container is no longer running.
 */
export interface LogsRequest {
  follow: boolean;
  tail?: string; // a number or "all"
  since?: string; // RFC 3339, unix seconds, or a duration (10m, 1h30m)
  fromOffset?: number; // start reading the file here (start -a)
}

/** --since: a timestamp, unix seconds, or a Go duration counted back from now. */
export function parseSince(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(value);
  if (dur && value !== '') {
    const [, h = '0', m = '0', s = '0', ms = '0'] = dur;
    return now - (Number(h) * 3600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(ms));
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new MiniboxError(`invalid value for "since": ${value}`, 1);
  return t;
}

function parseTail(tail: string | undefined): number {
  if (tail === undefined || tail === 'all') return Infinity;
  if (!/^\d+$/.test(tail)) throw new MiniboxError(`invalid value for "tail": ${tail}`, 1);
  return Number(tail);
}

/** Nanosecond timestamps compare as strings of equal shape; to ms for --since. */
const timeMs = (t: string): number => Date.parse(t.replace(/(\.\d{3})\d+Z$/, '$1Z'));

export async function logSize(ref: string): Promise<number> {
  const state = await findContainer(statePaths(), ref);
  return logFileSize(logPath(containerDirs(statePaths(), state.id).dir, state.id));
}

export async function readLogs(ref: string, req: LogsRequest, emit: (e: LogEntry) => void): Promise<void> {
  const paths = statePaths();
  const state = await findContainer(paths, ref);
  const file = logPath(containerDirs(paths, state.id).dir, state.id);
  const since = req.since !== undefined ? parseSince(req.since) : -Infinity;
  const tail = parseTail(req.tail);
  let { text, next } = await readLogFrom(file, req.fromOffset ?? 0);
  let entries = parseLogLines(text).filter((e) => since === -Infinity || timeMs(e.time) >= since);
  if (tail !== Infinity) entries = tail === 0 ? [] : entries.slice(-tail);
  for (const e of entries) emit(e);
  if (!req.follow) return;
  for (;;) {
    const running = (await reconcile(await findContainer(paths, ref))).status === 'running';
    ({ text, next } = await readLogFrom(file, next));
    for (const e of parseLogLines(text)) emit(e);
    if (!running) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
