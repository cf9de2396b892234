/** Option helpers shared by the command definitions (src/cli/commands/*). */

/** A repeatable flag (-e A -e B): each value appended to the list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
