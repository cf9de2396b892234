import { MiniboxError } from '../util/errors.js';

/**
 * Docker's build-argument rules (the classic builder's BuildArgs):
 * - `--build-arg K=V` values override ARG defaults; `--build-arg K` takes K from the
 *   client's environment (and is left out when that has none).
 * - ARGs before the first FROM are "meta" args: they expand FROM lines only; a stage sees one
 *   only after re-declaring it (`ARG K`), then with the meta value as its default.
 * - Each stage starts with no allowed args; `ARG K[=d]` allows K in that stage from there on.
 * - The predefined proxy args are allowed everywhere without an ARG, but stay out of the
 *   history and the cache key unless declared.
 * - A `--build-arg` nothing declared: "[Warning] One or more build-args [K] were not consumed".
 */
export const PREDEFINED_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy',
  'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
]);

/** `--build-arg` strings → name → value (undefined: from the environment, which had none). */
export function parseBuildArgFlags(flags: readonly string[], env: NodeJS.ProcessEnv): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const f of flags) {
    const eq = f.indexOf('=');
    const name = eq < 0 ? f : f.slice(0, eq);
    // the client's opts.ValidateEnv: only an empty name is refused (any other one is just never declared)
    if (name === '') throw new MiniboxError(`invalid argument "${f}" for "--build-arg" flag: invalid environment variable: ${f}`, 1);
    out.set(name, eq < 0 ? env[name] : f.slice(eq + 1));
  }
  return out;
}

export class BuildArgs {
  private readonly meta = new Map<string, string | undefined>();
  private readonly referenced = new Set<string>();

  constructor(private readonly fromOptions: ReadonlyMap<string, string | undefined>) {}

  /** A global `ARG K[=d]` (before the first FROM). */
  addMeta(name: string, def: string | undefined): void {
    this.referenced.add(name);
    this.meta.set(name, this.fromOptions.get(name) ?? def);
  }

  /** The meta args' values: what FROM lines expand with. */
  metaEnv(): string[] {
    const out: string[] = [];
    for (const [k, v] of this.meta) if (v !== undefined) out.push(`${k}=${v}`);
    for (const k of PREDEFINED_ARGS) {
      const v = this.fromOptions.get(k);
      if (v !== undefined && !this.meta.has(k)) out.push(`${k}=${v}`);
    }
    return out;
  }

  /** A new stage's view: nothing allowed yet. */
  stage(): StageArgs {
    return new StageArgs(this);
  }

  markReferenced(name: string): void {
    this.referenced.add(name);
  }

  isReferenced(name: string): boolean {
    return this.referenced.has(name);
  }

  optionValue(name: string): string | undefined {
    return this.fromOptions.get(name);
  }

  metaValue(name: string): string | undefined {
    return this.meta.get(name);
  }

  /** The --build-arg names nothing declared, sorted (Docker's warning lists them so). */
  unconsumed(): string[] {
    return [...this.fromOptions.keys()].filter((k) => !this.referenced.has(k) && !PREDEFINED_ARGS.has(k)).sort();
  }
}

export class StageArgs {
  private readonly allowed = new Map<string, string | undefined>(); // name → ARG default

  constructor(private readonly all: BuildArgs) {}

  /** `ARG K[=d]` in this stage. */
  declare(name: string, def: string | undefined): void {
    this.all.markReferenced(name);
    this.allowed.set(name, def);
  }

  private valueOf(name: string, def: string | undefined): string | undefined {
    return this.all.optionValue(name) ?? def ?? this.all.metaValue(name);
  }

  /** Every allowed arg with a value, and the predefined ones given on the command line: K=V. */
  env(): string[] {
    const out: string[] = [];
    for (const [k, def] of this.allowed) {
      const v = this.valueOf(k, def);
      if (v !== undefined) out.push(`${k}=${v}`);
    }
    for (const k of PREDEFINED_ARGS) {
      const v = this.all.optionValue(k);
      if (v !== undefined && !this.allowed.has(k)) out.push(`${k}=${v}`);
    }
    return out;
  }

  /**
   * The args a RUN sees as environment (those the image's ENV does not already set), and the
   * `|N K=V …` prefix of its history line and cache key: sorted, undeclared predefined ones left out.
   */
  forRun(imageEnv: readonly string[]): { env: string[]; prefix: string[] } {
    const set = new Set(imageEnv.map((kv) => kv.split('=', 1)[0]));
    const env = this.env().filter((kv) => !set.has(kv.split('=', 1)[0] ?? ''));
    const recorded = env.filter((kv) => {
      const k = kv.split('=', 1)[0] ?? '';
      return !PREDEFINED_ARGS.has(k) || this.all.isReferenced(k);
    });
    recorded.sort();
    return { env, prefix: env.length > 0 ? [`|${recorded.length}`, ...recorded] : [] };
  }
}
