import { appendFileSync } from 'node:fs';
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
commands: spec create start state kill delete run list features`;

function logError(g: GlobalOptions | undefined, message: string): void {
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
      if (typeof flags['console-socket'] === 'string') throw new MiniboxError('--console-socket is not supported yet (process.terminal must be false)', 1);
      if (typeof flags['preserve-fds'] === 'string' && flags['preserve-fds'] !== '0') throw new MiniboxError('--preserve-fds is not supported yet', 1);
      const { createContainer, runForeground } = await import('./launch.js');
      const opts = { root, id, bundle, ...(typeof flags['pid-file'] === 'string' ? { pidFile: flags['pid-file'] } : {}) };
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
    process.exitCode = err instanceof MiniboxError ? err.exitCode || 1 : 1;
  }
}
