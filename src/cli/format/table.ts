import { terminalSafe } from './terminal-safe.js';

/**
 * Docker's tables: text/tabwriter with padding 3: every column but the last is as wide as
 * its widest cell plus three spaces, and at least `minWidth` (Docker's `images` formatter
 * uses 10); the last column is unpadded. The first row is the header. Every cell goes through
 * terminalSafe: names, commands and titles come from images and containers.
 */
export function formatTable(header: string[], rows: string[][], opts: { minWidth?: number } = {}): string {
  const all = [header, ...rows].map((row) => row.map(terminalSafe));
  const minWidth = opts.minWidth ?? 0;
  const widths: number[] = [];
  for (const row of all) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, minWidth, cell.length + 3);
    });
  }
  return all.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('') + '\n').join('');
}
