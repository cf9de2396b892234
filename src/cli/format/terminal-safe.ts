import { escapeUnprintable } from '../../util/go-quote.js';

/**
 * Text from images and containers (names, commands, process titles, labels) on its way to
 * the user's terminal: a control sequence in it (ESC ] 0; … BEL sets the window title, others
 * move the cursor, rewrite lines or, on some terminals, answer back into the input) must not
 * reach the terminal as one. Every unprintable character is shown as Go would escape it
 * (ESC as \x1b, a newline as \n), so a table cell stays one cell on one line and the
 * sequence is visible instead of obeyed. Plain text comes through unchanged.
 */
export function terminalSafe(s: string): string {
  return escapeUnprintable(s);
}
