/**
 * The `service-1  | ` prefixes of `compose logs` and attached `up`, as Compose prints them:
 * every name padded to the widest one plus one space, then ` | `; on a terminal each
 * container's prefix in its own colour, handed out in Compose's rainbow order (cyan,
 * yellow, green, magenta, blue, then the same five bold), wrapping around after ten.
 * Pure: the caller says whether colour is wanted (a tty, or --ansi).
 */
import { MiniboxError } from '../util/errors.js';

/** Compose's rainbow: the SGR codes in the order it hands them to containers. */
export const RAINBOW_CODES = ['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1'] as const;

export type AnsiMode = 'auto' | 'always' | 'never';

export function parseAnsiMode(v: string): AnsiMode {
  if (v === 'auto' || v === 'always' || v === 'never') return v;
  throw new MiniboxError(`invalid --ansi "${v}": use auto, always or never`, 1);
}

/** Colour under `always`, never under `never`, and under `auto` only when the output is a terminal. */
export function useColor(mode: AnsiMode, isTty: boolean): boolean {
  return mode === 'always' || (mode === 'auto' && isTty);
}

/**
 * The name a container's lines carry: a default name less the `<project>-` Compose leaves
 * out (`<project>-<service>-<n>` → `<service>-<n>`); a container_name is shown whole, also
 * when it happens to begin with the project's name (as Compose's
 * getContainerNameWithoutProject does).
 */
export function logName(project: string, containerName: string, service: string, number: string): string {
  return containerName === `${project}-${service}-${number}` ? containerName.slice(project.length + 1) : containerName;
}

/** One prefix per name, in the order given (the colour order follows it). */
export function logPrefixes(names: readonly string[], color: boolean): string[] {
  const width = Math.max(0, ...names.map((n) => n.length)) + 1;
  return names.map((n, i) => {
    const plain = `${n.padEnd(width)} | `;
    return color ? `\u001b[${RAINBOW_CODES[i % RAINBOW_CODES.length]}m${plain}\u001b[0m` : plain;
  });
}
