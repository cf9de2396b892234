/**
 * How the lab runner lays out text on an 80-column terminal: rules with a title, paragraphs
 * folded at spaces, an output cut to its first lines, two outputs side by side in 38-column
 * columns with ` | ` marking the lines that differ, and a command as the student types it
 * with one engine. Pure functions of strings.
 */

export const WIDTH = 80;
/** A column of the side-by-side view: two of them and a 3-character gutter fit 80. */
export const COLUMN = 38;

/** `-- title ----…` to 80 columns (a longer title is left as it is). */
export function rule(title: string): string {
  const head = `-- ${title} `;
  return head + '-'.repeat(Math.max(0, WIDTH - head.length));
}

/** Tabs expanded to stops every 8 columns, as expand(1) does. */
export function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}

/**
 * Lines longer than `width` broken after their last space within the width (fold -s -w):
 * the space stays at the end of the first part; a word longer than the width is cut.
 */
export function fold(text: string, width = WIDTH): string {
  return text
    .split('\n')
    .map((line) => foldLine(line, width))
    .join('\n');
}

function foldLine(line: string, width: number): string {
  const out: string[] = [];
  let rest = line;
  while ([...rest].length > width) {
    const chars = [...rest];
    const head = chars.slice(0, width);
    const space = head.lastIndexOf(' ');
    const cut = space >= 0 ? space + 1 : width;
    out.push(chars.slice(0, cut).join(''));
    rest = chars.slice(cut).join('');
  }
  out.push(rest);
  return out.join('\n');
}

/** The lines of an output to show: at most maxLines (tabs expanded), the rest counted. */
export function shownLines(output: string, maxLines: number): string[] {
  if (output === '') return ['(no output)'];
  const lines = output.split('\n').map(expandTabs);
  if (lines.length <= maxLines) return lines;
  return [...lines.slice(0, maxLines), `... ${lines.length - maxLines} more lines`];
}

export interface Shown {
  name: string;
  status: number;
  output: string;
}

const width = (s: string): number => [...s].length;
const pad = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - width(s)));

/**
 * Two results side by side when every line fits a column (` | ` marks the lines that
 * differ, three spaces the ones that agree), else one after the other under rules.
 */
export function sideBySide(left: Shown, right: Shown, maxLines: number): string[] {
  const l = shownLines(left.output, maxLines);
  const r = shownLines(right.output, maxLines);
  if ([...l, ...r].some((line) => width(line) > COLUMN)) {
    return [rule(`${left.name} (exit ${left.status})`), ...l, rule(`${right.name} (exit ${right.status})`), ...r];
  }
  const rows = [`${pad(`== ${left.name} (exit ${left.status})`, COLUMN)}   == ${right.name} (exit ${right.status})`];
  for (let i = 0; i < Math.max(l.length, r.length); i++) {
    const a = l[i] ?? '';
    const b = r[i] ?? '';
    rows.push(`${pad(a, COLUMN)}${a === b ? '   ' : ' | '}${b}`);
  }
  return rows;
}

/**
 * A step's text as the student types it with one engine: `$ENGINE` becomes the engine's
 * name, `$RUN_FLAGS` (what this host needs on every run, shown once at the top) goes,
 * `$PORT` and `$PORT2` become the engine's two ports.
 */
export function renderFor(text: string, engineName: string, port: number): string {
  return text
    .split(' $RUN_FLAGS').join('')
    .split('$RUN_FLAGS').join('')
    .split('$ENGINE').join(engineName)
    .split('$PORT2').join(String(port + 1))
    .split('$PORT').join(String(port));
}

/** A script shown as typed: `$ ` before its first line, two spaces before the others. */
export function promptLines(script: string): string[] {
  return script.split('\n').map((line, i) => (i === 0 ? `$ ${line}` : `  ${line}`));
}
