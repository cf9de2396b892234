import { humanSize } from './bytes.js';

/**
 * What every `prune` prints when done, as Docker's CLI prints it: a "Deleted …:" block per
 * kind that lost something (its lines, then an empty line), then the total in go-units'
 * HumanSize (4 significant digits). container, image, volume and system prune share it.
 */
export type PruneBlock = readonly [title: string, lines: readonly string[]];

export function formatPruneReport(blocks: readonly PruneBlock[], reclaimed: number): string {
  const deleted = blocks.map(([title, lines]) => (lines.length > 0 ? `${title}:\n${lines.map((l) => `${l}\n`).join('')}\n` : '')).join('');
  return `${deleted}Total reclaimed space: ${humanSize(reclaimed, 4)}\n`;
}
