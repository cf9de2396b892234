import type { Command } from 'commander';

/**
 * Which command definitions a command line needs. Building all ~40 commands' flags costs
 * ~5 ms of every start-up, while `minibox run …` uses one of them. The COMMANDS table in
 * main.ts stays the single list: a definition's name is learnt by calling it on a stand-in
 * program whose command()/addCommand() throws the name, before any flag is built.
 */

type Define = (program: Command) => void;

class Probed {
  constructor(readonly name: string) {}
}

const probe = {
  command(nameAndArgs: string): never {
    throw new Probed(nameAndArgs.trim().split(/\s+/)[0] ?? '');
  },
  addCommand(cmd: Command): never {
    throw new Probed(cmd.name());
  },
} as unknown as Command;

/** The top-level command `define` adds first; undefined when it does anything else first. */
function probeName(define: Define): string | undefined {
  try {
    define(probe);
  } catch (err) {
    if (err instanceof Probed) return err.name;
  }
  return undefined;
}

/**
 * The definitions to build for argv: the invoked command's, plus any whose name could not
 * be learnt (they may touch the program otherwise). Every definition when the line asks for
 * help anywhere, names no command (global options first) or a word no definition names
 * (aliases, `help`, typos): then commander sees exactly the program it always did, so its
 * help and errors stay byte for byte what they were.
 */
export function commandsFor(argv: readonly string[], all: readonly Define[]): readonly Define[] {
  const word = argv[2];
  if (word === undefined || word.startsWith('-') || argv.some((a) => a === '--help' || a === '-h')) return all;
  const names = all.map(probeName);
  if (!names.includes(word)) return all;
  return all.filter((_, i) => names[i] === word || names[i] === undefined);
}
