import { MiniboxError } from '../util/errors.js';

/**
 * `--ulimit name=soft[:hard]` as Docker parses it (go-units ParseUlimit): Docker's names,
 * decimal values, -1 for unlimited, soft ≤ hard. Kept in config.json as OCI
 * process.rlimits (RLIMIT_* types); the shim calls setrlimit before exec.
 */
export interface OciRlimit {
  type: string; // RLIMIT_NOFILE ...
  soft: number; // -1 = unlimited
  hard: number;
}

const NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/** Docker's default for nofile (dockerd's default-ulimits on systemd hosts). */
export const DEFAULT_NOFILE = 1048576;

function parseLimit(s: string): number {
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new Error(`strconv.ParseInt: parsing "${s}": invalid syntax`);
  return Number(s);
}

export function parseUlimit(value: string): OciRlimit {
  try {
    const eq = value.indexOf('=');
    if (eq === -1) throw new Error(`invalid ulimit argument: ${value}`);
    const name = value.slice(0, eq);
    if (!NAMES.includes(name)) throw new Error(`invalid ulimit type: ${name}`);
    const vals = value.slice(eq + 1).split(':');
    if (vals.length > 2) throw new Error(`too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
    const soft = parseLimit(vals[0] ?? '');
    const hard = vals[1] !== undefined ? parseLimit(vals[1]) : soft;
    if (hard !== -1 && (soft === -1 || soft > hard)) throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    return { type: `RLIMIT_${name.toUpperCase()}`, soft, hard };
  } catch (err) {
    throw new MiniboxError(`invalid argument "${value}" for "--ulimit" flag: ${(err as Error).message}`);
  }
}

/**
 * The flags, a later one for the same name replacing an earlier one, plus Docker's default
 * nofile when not given, clamped to the host's hard limit (an unprivileged engine cannot
 * raise it, and a database refusing to start on 1024 is the thing to avoid).
 */
export function planRlimits(flags: string[], hostNofileHard: number): OciRlimit[] {
  const byType = new Map<string, OciRlimit>();
  for (const f of flags) {
    const r = parseUlimit(f);
    byType.set(r.type, r);
  }
  if (!byType.has('RLIMIT_NOFILE')) {
    const n = hostNofileHard === -1 ? DEFAULT_NOFILE : Math.min(DEFAULT_NOFILE, hostNofileHard);
    byType.set('RLIMIT_NOFILE', { type: 'RLIMIT_NOFILE', soft: n, hard: n });
  }
  return [...byType.values()];
}
