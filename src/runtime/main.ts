import { appendFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { MiniboxError } from '../util/errors.js';
import { checkContainerId, parseArgs, type GlobalOptions } from './args.js';
import { OCI_VERSION } from './default-spec.js';

/**
 * minibox-runtime: the OCI runtime command line (runtime-spec runtime.md, runc's flags) over
 * a bundle's config.json, driving minibox's shim. Loaded by bin/minibox-runtime; imports
 * its commands lazily so `state` does not load create's code.
 */
export const VERSION = '0.1.0';

const USAGE = `usage: minibox-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND
commands: spec create start state kill delete run exec ps pause resume update list features`;

/**
 * --preserve-fds N: our fds 3..3+N-1, each open (as our caller gave them), become the
 * container's 3..3+N-1 (create and run; launch.ts). exec takes only 0 (its shim path keeps none).
 */
function preserveFdsOf(v: unknown, command: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new MiniboxError(`invalid --preserve-fds ${String(v)}: expected a number`, 1);
  const n = Number(v);
  if (n === 0) return 0;
  if (command === 'exec') throw new MiniboxError(`exec --preserve-fds ${v} is not supported by minibox-runtime (only 0)`, 1);
  if (n > 1024) throw new MiniboxError(`invalid --preserve-fds ${v}: at most 1024`, 1);
  for (let fd = 3; fd < 3 + n; fd++) if (!inherited(fd)) throw new MiniboxError(`--preserve-fds ${v}: fd ${fd} was not passed to minibox-runtime`, 1);
  return n;
}

/**
 * Is fd one our caller gave us, not one of Node's own? Node marks inherited fds close-on-exec
 * at start-up, so the flag tells nothing; but what Node opens for itself before our code runs
 * (taking the low numbers a caller left free) is its event loop's: an epoll fd, eventfds, and
 * pipes it holds both ends of. A caller's fd is a file, a socket, or one end of a pipe.
 */
function inherited(fd: number): boolean {
  let link: string;
  try {
    link = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return false; // not open
  }
  if (/^anon_inode:\[(eventpoll|eventfd|signalfd)\]$/.test(link)) return false;
  if (!link.startsWith('pipe:')) return true;
  const ends = readdirSync('/proc/self/fd').filter((n) => {
    try {
      return readlinkSync(`/proc/self/fd/${n}`) === link;
    } catch {
      return false;
    }
  });
  return ends.length === 1;
}

/** --debug: the command line into --log (what runc's callers read when a command fails). */
function logDebug(g: GlobalOptions, argv: string[]): void {
  if (!g.debug || !g.log) return;
  const msg = `minibox-runtime ${argv.join(' ')}`;
  const line = g.logFormat === 'json' ? JSON.stringify({ level: 'debug', msg, time: new Date().toISOString() }) : `time="${new Date().toISOString()}" level=debug msg="${msg.replace(/"/g, '\\"')}"`;
  try {
    appendFileSync(g.log, `${line}\n`);
  } catch {
    // the command runs without its debug line
  }
}

/**
 * runc's exit codes: 1 for a command that failed, whatever code the module that failed gives
 * (minibox's own errors carry Docker's 125); exec's failures are 255 (runc's exec.go,
 * fatalWithCode(…, 255)), apart from the exit code of a process that ran.
 */
const FAILED = 1;
const EXEC_FAILED = 255;

class ExecFailed extends Error {}

/** One line on stderr and in --log, whatever the failing layer wrote (a shim's message may span lines). */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(': ');
}

function logError(g: GlobalOptions | undefined, message: string): void {
  message = oneLine(message);
  const json = JSON.stringify({ level: 'error', msg: message, time: new Date().toISOString() });
  process.stderr.write(g?.logFormat === 'json' ? `${json}\n` : `minibox-runtime: ${message}\n`);
  if (g?.log) {
    try {
      appendFileSync(g.log, g.logFormat === 'json' ? `${json}\n` : `time="${new Date().toISOString()}" level=error msg="${message.replace(/"/g, '\\"')}"\n`);
    } catch {
      // an unwritable log must not hide the error itself
    }
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const { global: g, command, flags, operands } = parseArgs(argv);
  logDebug(g, argv);
  if (g.version) {
    process.stdout.write(`minibox-runtime version ${VERSION}\nspec: ${OCI_VERSION}\n`);
    return 0;
  }
  if (g.help || command === '' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === '' && !g.help ? 1 : 0;
  }
  const root = path.resolve(g.root);
  const id = operands[0] !== undefined && command !== 'spec' ? checkContainerId(operands[0]) : '';
  const bundle = path.resolve(typeof flags.bundle === 'string' ? flags.bundle : '.');
  const c = await import('./commands.js');
  switch (command) {
    case 'spec':
      c.specCommand(bundle, flags.rootless === true);
      return 0;
    case 'create':
    case 'run': {
      const preserveFds = preserveFdsOf(flags['preserve-fds'], command);
      const { createContainer, runForeground } = await import('./launch.js');
      const opts = {
        root,
        id,
        bundle,
        ...(preserveFds ? { preserveFds } : {}),
        ...(typeof flags['pid-file'] === 'string' ? { pidFile: flags['pid-file'] } : {}),
        ...(typeof flags['console-socket'] === 'string' ? { consoleSocket: flags['console-socket'] } : {}),
      };
      if (command === 'create') {
        await createContainer(opts);
        return 0;
      }
      if (flags.detach === true) {
        await createContainer(opts);
        c.startCommand(root, id);
        return 0;
      }
      return runForeground(opts, flags.keep === true);
    }
    case 'start':
      c.startCommand(root, id);
      return 0;
    case 'exec': {
      preserveFdsOf(flags['preserve-fds'], command);
      const { execCommand } = await import('./exec.js');
      const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
      const list = (k: string) => (Array.isArray(flags[k]) ? (flags[k] as string[]) : []);
      try {
        return await execCommand({
          root,
          id,
          args: operands.slice(1),
          detach: flags.detach === true,
          tty: flags.tty === true,
          env: list('env'),
          additionalGids: list('additional-gids'),
          caps: list('cap'),
          noNewPrivs: flags['no-new-privs'] === true,
          ignorePaused: flags['ignore-paused'] === true,
          ...(str('process') ? { processFile: str('process')! } : {}),
          ...(str('pid-file') ? { pidFile: str('pid-file')! } : {}),
          ...(str('console-socket') ? { consoleSocket: str('console-socket')! } : {}),
          ...(str('cwd') ? { cwd: str('cwd')! } : {}),
          ...(str('user') ? { user: str('user')! } : {}),
        });
      } catch (err) {
        throw new ExecFailed(err instanceof Error ? err.message : String(err));
      }
    }
    case 'ps': {
      const m = await import('./manage.js');
      process.stdout.write(m.psCommand(root, id, typeof flags.format === 'string' ? flags.format : 'table', operands.slice(1)));
      return 0;
    }
    case 'pause':
      await (await import('./manage.js')).pauseCommand(root, id);
      return 0;
    case 'resume':
      await (await import('./manage.js')).resumeCommand(root, id);
      return 0;
    case 'update':
      (await import('./manage.js')).updateCommand(root, id, flags);
      return 0;
    case 'state':
      process.stdout.write(`${JSON.stringify(c.stateCommand(root, id), null, '  ')}\n`);
      return 0;
    case 'kill':
      c.killCommand(root, id, operands[1] ?? 'SIGTERM', flags.all === true);
      return 0;
    case 'delete':
      await c.deleteCommand(root, id, flags.force === true);
      return 0;
    case 'list': {
      const states = c.listCommand(root);
      const format = typeof flags.format === 'string' ? flags.format : 'table';
      if (flags.quiet === true) process.stdout.write(states.map((s) => `${s.id}\n`).join(''));
      else if (format === 'json') process.stdout.write(`${JSON.stringify(states)}\n`);
      else if (format === 'table') process.stdout.write(c.formatList(states));
      else throw new MiniboxError(`invalid format option: ${format}`, 1);
      return 0;
    }
    case 'features':
      process.stdout.write(`${JSON.stringify(c.featuresDocument(), null, '    ')}\n`);
      return 0;
    default:
      throw new MiniboxError(`unknown command ${command}`, 1);
  }
}

export async function main(argv: string[]): Promise<void> {
  let g: GlobalOptions | undefined;
  try {
    g = parseArgs(argv.slice(2)).global;
  } catch {
    // reported by dispatch below
  }
  try {
    process.exitCode = await dispatch(argv.slice(2));
  } catch (err) {
    logError(g, err instanceof Error ? err.message : String(err));
    process.exitCode = err instanceof ExecFailed ? EXEC_FAILED : FAILED;
  }
}
