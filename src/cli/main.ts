import { Command, CommanderError } from 'commander';
import { MiniboxError } from '../util/errors.js';
import { mark } from '../util/trace.js';
import { escapeUnprintable } from '../util/go-quote.js';
import { defineRun } from './commands/run.js';
import { definePull } from './commands/pull.js';
import { defineLogin, defineLogout } from './commands/login.js';
import { defineImages, defineLoad, defineRmi } from './commands/images.js';
import { definePush } from './commands/push.js';
import { defineTag } from './commands/tag.js';
import { defineSave } from './commands/save.js';
import { defineSearch } from './commands/search.js';
import { defineImage } from './commands/image.js';
import { defineSystem } from './commands/system.js';
import { defineContainer, defineInspect, definePs, defineRm } from './commands/containers.js';
import { defineTop } from './commands/top.js';
import { defineStats, defineUpdate } from './commands/resources.js';
import { defineNetwork, definePort } from './commands/network.js';
import { defineKill, defineRestart, defineStart, defineStop, defineWait } from './commands/lifecycle.js';
import { defineLogs } from './commands/logs.js';
import { defineExec } from './commands/exec.js';
import { defineVolume } from './commands/volume.js';
import { defineDiff } from './commands/diff.js';
import { defineCp } from './commands/cp.js';
import { defineBuild } from './commands/build.js';
import { defineCommit } from './commands/commit.js';
import { defineHistory } from './commands/history.js';
import { defineAttach } from './commands/attach.js';
import { definePause, defineUnpause } from './commands/pause.js';
import { defineCompose } from './commands/compose.js';
import { EXPLAIN_HELP, takeExplainOption } from './explain-output.js';
import { defineLab } from './commands/lab.js';
import { defineExplain } from './commands/explain.js';
import { commandsFor } from './select-commands.js';

/**
 * The minibox command line: one table of commands. Each command module (commands/<name>.ts)
 * defines its flags and loads its engine code with a dynamic import() only when it runs, so
 * `minibox run` pays only for what it uses (Node's start-up is most of the budget).
 * This file is the only place that prints errors and picks the process exit code.
 */

/** Every command, in the order `minibox --help` lists them; each module defines its flags. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  defineRun,
  definePull,
  defineLogin,
  defineLogout,
  defineLoad,
  defineImages,
  defineRmi,
  defineTag,
  definePush,
  defineSave,
  defineSearch,
  defineImage,
  defineSystem,
  definePs,
  defineRm,
  defineInspect,
  defineTop,
  defineContainer,
  defineUpdate,
  defineStats,
  definePort,
  defineNetwork,
  defineStop,
  defineKill,
  defineStart,
  defineRestart,
  defineWait,
  defineLogs,
  defineAttach,
  defineExec,
  defineVolume,
  defineDiff,
  defineCp,
  defineBuild,
  defineCommit,
  defineHistory,
  definePause,
  defineUnpause,
  defineCompose,
  defineExplain,
  defineLab,
];

function buildProgram(argv: string[]): Command {
  const program = new Command('minibox')
    .description('A lightweight Linux container runtime: namespaces, overlayfs and cgroups, directly.')
    .version('0.1.0', '-v, --version')
    .showSuggestionAfterError(false)
    .exitOverride()
    .enablePositionalOptions() // options after IMAGE belong to the container's command
    .addHelpText('after', EXPLAIN_HELP);
  for (const define of commandsFor(argv, COMMANDS)) define(program); // only the invoked one's, see there
  return program;
}

function requireRoot(argv: string[]): void {
  const wantsHelp = argv.length <= 2 || argv.some((a) => a === '--help' || a === '-v' || a === '--version');
  if (!wantsHelp && process.getuid && process.getuid() !== 0) {
    throw new MiniboxError('minibox must run as root (namespaces, mounts and cgroups need it); try: sudo minibox ...');
  }
}

/** An error is one line on the terminal: names in it may come from images (ESC, newlines). */
function oneLine(message: string): string {
  return escapeUnprintable(message.replace(/\s+$/, ''));
}

export async function main(argv: string[]): Promise<void> {
  mark('cli: main');
  process.on('exit', () => mark('process exit'));
  // `minibox logs db | head`: the reader went away; stop quietly as a program killed by
  // SIGPIPE would (Node ignores the signal and reports EPIPE instead, unhandled a crash)
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  try {
    argv = takeExplainOption(argv); // global --explain (explain-output.ts)
    requireRoot(argv);
    const program = buildProgram(argv);
    mark('cli: built');
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      // commander already printed "error: unknown option '--foo'"; Docker exits 125 here.
      process.stderr.write("See 'minibox --help'.\n");
      process.exitCode = 125;
      return;
    }
    if (err instanceof MiniboxError) {
      process.stderr.write(`minibox: ${oneLine(err.message)}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`minibox: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    if (process.env.MINIBOX_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 125;
  }
}
