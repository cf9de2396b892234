/**
 * The one error type of minibox. It carries a message for the user (one line, naming what
 * went wrong and what to do) and the process exit code Docker would use:
 * 125 for minibox's own failures, 126 when the command cannot be invoked, 127 when it is
 * not found, 1 for "No such container"-style lookups. Only the CLI prints and exits.
 */
export class MiniboxError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 125, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MiniboxError';
    this.exitCode = exitCode;
  }
}

/** Node's errno-bearing error, narrowed without `as`. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
