import { MiniboxError } from '../util/errors.js';
import { setTraceSink } from '../util/trace-events.js';
import { createExplainFormatter, EXPLAIN_MODES, type ExplainMode } from './explain-format.js';

/**
 * The global `--explain[=verbose|json]` option: written before the command
 * (`minibox --explain run …`), taken out of argv here so commander never sees it (its
 * optional value would swallow the command name), and turned into the trace sink that
 * prints each step on stderr as it happens. Without the option nothing is set: the trace
 * stays off and costs nothing.
 */
export function takeExplainOption(argv: string[]): string[] {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-')) break; // the command: what follows is its own
    if (arg !== '--explain' && !arg.startsWith('--explain=')) continue;
    const mode = EXPLAIN_MODES[arg.slice('--explain='.length)];
    if (mode === undefined) {
      throw new MiniboxError(`invalid --explain value "${arg.slice(10)}": use --explain, --explain=verbose or --explain=json`, 125);
    }
    startExplain(mode);
    return [...argv.slice(0, i), ...argv.slice(i + 1)];
  }
  return argv;
}

export function startExplain(mode: ExplainMode, write: (text: string) => void = (t) => void process.stderr.write(t)): void {
  const format = createExplainFormatter(mode);
  setTraceSink((event) => write(format(event)));
  // a reader that went away (`… 2>&1 | head`) ends the trace, never the run halfway through
  process.stderr.on('error', () => setTraceSink(undefined));
}

/** For `minibox --help`: the option lives outside commander. */
export const EXPLAIN_HELP =
  '\nGlobal option:\n  --explain[=verbose|json]  before the command: print each step (namespaces, cgroups, mounts, network,\n                            registry requests) with the kernel or registry interface behind it, on stderr\n';
