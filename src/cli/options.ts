import { InvalidArgumentError } from 'commander';

/** Option helpers shared by the command definitions (src/cli/commands/*). */

/** A repeatable flag (-e A -e B): each value appended to the list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const GO_BOOLS: Readonly<Record<string, boolean>> = {
  '1': true, t: true, T: true, TRUE: true, true: true, True: true,
  '0': false, f: false, F: false, FALSE: false, false: false, False: false,
};

/** Go's strconv.ParseBool, which Docker's boolean flags use: its spellings, undefined for any other word. */
export function goBool(word: string): boolean | undefined {
  return Object.hasOwn(GO_BOOLS, word) ? GO_BOOLS[word] : undefined;
}

/**
 * commander's parser for Docker's boolean flags that default to true (`-H=false`,
 * `--pause=false`); the value of a short flag arrives with its '='.
 */
export function parseBoolFlag(v: string): boolean {
  const s = v.replace(/^=/, '');
  const b = goBool(s);
  if (b === undefined) throw new InvalidArgumentError(`invalid boolean value "${s}"`);
  return b;
}
