import { MiniboxError } from '../util/errors.js';

/**
 * minibox-runtime's command line, parsed as runc's callers write it (podman/conmon, go-runc,
 * containerd's shim): global flags before the command, `--flag value` or `--flag=value`,
 * then the command's flags and operands. Pure: unit-tested without a kernel.
 */
export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  debug: boolean;
  version: boolean;
  help: boolean;
}

export interface ParsedCommand {
  global: GlobalOptions;
  command: string;
  flags: Flags;
  operands: string[];
}

/** A command's flags: a value, a switch, or every value of a repeatable flag (exec --env). */
export type Flags = Record<string, string | boolean | string[]>;

export const DEFAULT_ROOT = '/run/minibox-runtime';

/** A flag takes a value (string), is a switch (boolean), or repeats (string[]). */
type FlagKinds = Record<string, 'value' | 'switch' | 'multi'>;

const GLOBAL_FLAGS: FlagKinds = {
  root: 'value',
  log: 'value',
  'log-format': 'value',
  debug: 'switch',
  'systemd-cgroup': 'switch',
  version: 'switch',
  v: 'switch',
  help: 'switch',
  h: 'switch',
  criu: 'value', // runc's; accepted and unused (no checkpoint here)
  rootless: 'value', // runc's auto|true|false; only false/auto (we run as root)
};

export const COMMAND_FLAGS: Record<string, FlagKinds> = {
  spec: { rootless: 'switch', bundle: 'value', b: 'value' },
  create: {
    bundle: 'value',
    b: 'value',
    'pid-file': 'value',
    'console-socket': 'value',
    'no-pivot': 'switch',
    'no-new-keyring': 'switch',
    'preserve-fds': 'value',
  },
  run: {
    bundle: 'value',
    b: 'value',
    'pid-file': 'value',
    'console-socket': 'value',
    'no-pivot': 'switch',
    'no-new-keyring': 'switch',
    'preserve-fds': 'value',
    detach: 'switch',
    d: 'switch',
    keep: 'switch',
  },
  exec: {
    process: 'value',
    p: 'value',
    'pid-file': 'value',
    detach: 'switch',
    d: 'switch',
    'console-socket': 'value',
    tty: 'switch',
    t: 'switch',
    cwd: 'value',
    env: 'multi',
    e: 'multi',
    user: 'value',
    u: 'value',
    'additional-gids': 'multi',
    g: 'multi',
    cap: 'multi',
    c: 'multi',
    'no-new-privs': 'switch',
    'preserve-fds': 'value',
    'process-label': 'value',
    apparmor: 'value',
    cgroup: 'multi',
    'ignore-paused': 'switch',
  },
  ps: { format: 'value', f: 'value' },
  pause: {},
  resume: {},
  update: {
    resources: 'value',
    r: 'value',
    memory: 'value',
    'memory-swap': 'value',
    'memory-reservation': 'value',
    'kernel-memory': 'value',
    'kernel-memory-tcp': 'value',
    'cpu-quota': 'value',
    'cpu-period': 'value',
    'cpu-share': 'value',
    'cpu-rt-period': 'value',
    'cpu-rt-runtime': 'value',
    'cpuset-cpus': 'value',
    'cpuset-mems': 'value',
    'pids-limit': 'value',
    'blkio-weight': 'value',
    'l3-cache-schema': 'value',
    'mem-bw-schema': 'value',
  },
  start: {},
  state: {},
  kill: { all: 'switch', a: 'switch' },
  delete: { force: 'switch', f: 'switch' },
  list: { format: 'value', f: 'value', quiet: 'switch', q: 'switch' },
  features: {},
};

/** The operands each command takes: [least, most]. */
const OPERANDS: Record<string, [number, number]> = {
  spec: [0, 0],
  create: [1, 1],
  run: [1, 1],
  exec: [1, Infinity],
  ps: [1, Infinity],
  pause: [1, 1],
  resume: [1, 1],
  update: [1, 1],
  start: [1, 1],
  state: [1, 1],
  kill: [1, 2],
  delete: [1, 1],
  list: [0, 0],
  features: [0, 0],
};

function usage(msg: string): MiniboxError {
  return new MiniboxError(msg, 1);
}

/** Parse flags from argv[i..] until the first operand (or `--`) when stopAtOperand. */
function parseFlags(argv: string[], start: number, kinds: FlagKinds, where: string, stopAtOperand: boolean): { flags: Flags; rest: string[] } {
  const flags: Flags = {};
  const rest: string[] = [];
  let i = start;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      return { flags, rest };
    }
    if (!a.startsWith('-') || a === '-') {
      if (stopAtOperand) return { flags, rest: argv.slice(i) };
      rest.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const kind = kinds[name];
    if (kind === undefined) throw usage(`flag provided but not defined: -${name}${where ? ` (${where})` : ''}`);
    if (kind === 'switch') {
      flags[name] = eq === -1 ? true : body.slice(eq + 1) !== 'false';
      continue;
    }
    let v: string;
    if (eq !== -1) {
      v = body.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw usage(`flag needs an argument: --${name}`);
      v = next;
      i++;
    }
    if (kind === 'multi') flags[name] = [...((flags[name] as string[] | undefined) ?? []), v];
    else flags[name] = v;
  }
  return { flags, rest };
}

/** Short aliases to their long names (runc's -b, -a, -f, -q, -d). */
const ALIASES: Record<string, string> = { b: 'bundle', a: 'all', f: 'force', q: 'quiet', d: 'detach', v: 'version', h: 'help', p: 'process', t: 'tty', e: 'env', u: 'user', g: 'additional-gids', c: 'cap', r: 'resources' };

function unalias(flags: Flags, command: string): Flags {
  const out: Flags = {};
  for (const [k, v] of Object.entries(flags)) {
    // list/ps -f is --format; delete -f is --force
    const long = (command === 'list' || command === 'ps') && k === 'f' ? 'format' : (ALIASES[k] ?? k);
    const prev = out[long];
    out[long] = Array.isArray(prev) && Array.isArray(v) ? [...prev, ...v] : v;
  }
  return out;
}

export function parseArgs(argv: string[]): ParsedCommand {
  const g = parseFlags(argv, 0, GLOBAL_FLAGS, '', true);
  const gf = unalias(g.flags, '');
  if (gf['systemd-cgroup'] === true) {
    throw usage('--systemd-cgroup is not supported: minibox-runtime manages cgroupfs directly (drop the flag, or use cgroup_manager = "cgroupfs")');
  }
  if (typeof gf.rootless === 'string' && gf.rootless === 'true') throw usage('--rootless=true is not supported: minibox-runtime runs as root');
  const logFormat = (gf['log-format'] as string | undefined) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw usage(`invalid log-format: ${logFormat} (text or json)`);
  const global: GlobalOptions = {
    root: (gf.root as string | undefined) ?? DEFAULT_ROOT,
    ...(typeof gf.log === 'string' ? { log: gf.log } : {}),
    logFormat,
    debug: gf.debug === true,
    version: gf.version === true,
    help: gf.help === true,
  };
  const [command, ...tail] = g.rest;
  if (command === undefined || global.version || global.help) return { global, command: command ?? '', flags: {}, operands: tail };
  const kinds = COMMAND_FLAGS[command];
  if (!kinds) throw usage(`No help topic for '${command}'`);
  // kill's signal operand may look like a flag only as "-9"? runc takes it positionally: stop at the first operand
  // exec: what follows the id is the command, flags and all (runc's, urfave/cli's rule)
  const c = parseFlags(tail, 0, kinds, command, command === 'kill' || command === 'exec' || command === 'ps');
  let operands = c.rest;
  let flags = unalias(c.flags, command);
  if (command === 'kill' && operands.length > 0) {
    // flags after the id (kill ID --all is not runc's, but `kill --all ID SIG` is)
    const after = parseFlags(operands, 1, kinds, command, false);
    flags = { ...flags, ...unalias(after.flags, command) };
    operands = [operands[0]!, ...after.rest];
  }
  const [least, most] = OPERANDS[command]!;
  if (operands.length < least) throw usage(`${command}: ${least === 1 ? 'container id cannot be empty' : 'missing arguments'}`);
  if (operands.length > most) throw usage(`${command}: unexpected arguments: ${operands.slice(most).join(' ')}`);
  return { global, command, flags, operands };
}

/** runc's container id rule: letters, digits, `_ + - .`, and not `.`/`..` (it names a directory). */
export function checkContainerId(id: string): string {
  if (!/^[\w+-][\w+.-]*$/.test(id) || id.length > 1024) throw new MiniboxError(`invalid container id format: ${id}`, 1);
  return id;
}
