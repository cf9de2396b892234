import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * containers/<id>/<id>-json.log: the json-file log a detached container's C monitor writes,
 * one {"log","stream","time"} object per line (Docker's json-file driver format).
 */
export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export function logPath(dir: string, id: string): string {
  return path.join(dir, `${id}-json.log`);
}

export function parseLogLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isLogEntry(v)) out.push(v);
    } catch {
      // a torn line cannot happen with single writes; skip rather than fail
    }
  }
  return out;
}

function isLogEntry(v: unknown): v is LogEntry {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.log === 'string' && (o.stream === 'stdout' || o.stream === 'stderr') && typeof o.time === 'string';
}

/** The whole records from `offset` on, and the offset after them; nothing when the file is absent. */
export async function readLogFrom(file: string, offset: number): Promise<{ text: string; next: number }> {
  let fh;
  try {
    fh = await fs.open(file, 'r');
  } catch {
    return { text: '', next: offset };
  }
  try {
    const { size } = await fh.stat();
    if (size <= offset) return { text: '', next: offset };
    const buf = Buffer.alloc(size - offset);
    await fh.read(buf, 0, buf.length, offset);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n') + 1; // only whole records
    return { text: text.slice(0, end), next: offset + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    await fh.close();
  }
}

/** The log's size in bytes (0 when there is none yet): where `start -a` starts reading. */
export async function logFileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}
