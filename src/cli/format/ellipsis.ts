/**
 * Docker's formatter.Ellipsis (stringutils.Ellipsis for the ASCII/BMP case), the one copy the
 * truncating columns share (history's CREATED BY, search's DESCRIPTION): `max` characters,
 * the last one "…"; counted in code points, so a multi-byte character is never split.
 */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}
