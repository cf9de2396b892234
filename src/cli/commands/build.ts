import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { MiniboxError } from '../../util/errors.js';
import { collect, goBool } from '../options.js';

export function defineBuild(program: Command): void {
  program
    .command('build')
    .description('Build an image from a Dockerfile')
    .argument('[context]', 'a directory, or - for a Dockerfile on stdin (no context)')
    .option('-t, --tag <name>', 'Name and optionally a tag in the name:tag format', collect, [])
    .option('-f, --file <path>', "Name of the Dockerfile (default: 'CONTEXT/Dockerfile')")
    .option('--build-arg <arg>', 'Set build-time variables', collect, [])
    .option('--label <label>', 'Set metadata for an image', collect, [])
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--pull', 'Always attempt to pull a newer version of the image', false)
    .option('--target <stage>', 'Set the target build stage to build')
    .option('-q, --quiet', 'Suppress the build output and print image ID on success', false)
    .option('--network <mode>', 'Set the networking mode for the RUN instructions during build', 'bridge')
    .option('--rm [bool]', 'Remove intermediate containers after a successful build (--rm=false keeps them)', (v: string): string | boolean => v, true as string | boolean)
    .option('--force-rm', 'Always remove intermediate containers', false)
    .option('--reproducible', 'Fixed timestamps and clamped mtimes (also: SOURCE_DATE_EPOCH)', false)
    .action(buildCommand);
}

interface BuildFlags {
  tag: string[];
  file?: string;
  buildArg: string[];
  label: string[];
  cache: boolean;
  pull: boolean;
  target?: string;
  quiet: boolean;
  network: string;
  rm: boolean | string; // Go's --rm=false; a bare `--rm CONTEXT` hands commander the context as its value
  forceRm: boolean;
  reproducible: boolean;
}

function readDockerfile(contextDir: string | undefined, file: string | undefined): string {
  // `build -` (no context) or `build -f - DIR` (a context, the Dockerfile from stdin)
  if (file === '-' || (contextDir === undefined && file === undefined)) return readFileSync(0, 'utf8');
  const where = file === undefined ? path.join(contextDir ?? '.', 'Dockerfile') : path.resolve(file);
  try {
    return readFileSync(where, 'utf8');
  } catch {
    throw new MiniboxError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${where}: no such file or directory`, 1);
  }
}

function contextDirOf(arg: string): string | undefined {
  if (arg === '-') return undefined;
  if (/^(https?|git):\/\//.test(arg) || arg.startsWith('git@')) throw new MiniboxError(`unable to prepare context: remote contexts (${arg}) are not supported by minibox; clone it and build the directory`, 1);
  const dir = path.resolve(arg);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new MiniboxError(`unable to prepare context: path "${arg}" not found`, 1);
  }
  if (!isDir) throw new MiniboxError(`unable to prepare context: context must be a directory: ${dir}`, 1);
  return dir;
}

/** `minibox build [OPTIONS] CONTEXT`: Docker's classic builder output; exit 1 on any failure. */
export async function buildCommand(contextGiven: string | undefined, opts: BuildFlags): Promise<void> {
  let rm = true;
  let contextArg = contextGiven;
  if (typeof opts.rm === 'string') {
    const v = opts.rm.replace(/^=/, '');
    const b = goBool(v);
    if (b !== undefined) rm = b;
    else {
      if (contextArg !== undefined) throw new MiniboxError(`invalid boolean value "${v}" for "--rm" flag`, 1);
      contextArg = v; // `--rm .`: the context, not a value
    }
  }
  if (contextArg === undefined) throw new MiniboxError('"minibox build" requires exactly 1 argument (the context: a directory, or -)', 1);
  const { buildImage } = await import('../../engine/build/build.js');
  const { humanSize } = await import('../format/bytes.js');
  const contextDir = contextDirOf(contextArg);
  const dockerfile = readDockerfile(contextDir, opts.file);
  // -q: Docker keeps the whole output back (RUN's too) and shows it on stderr only if the build fails
  const held: Buffer[] = [];
  const out = opts.quiet ? (line: string) => void held.push(Buffer.from(`${line}\n`)) : (line: string) => void process.stdout.write(`${line}\n`);
  try {
    const result = await buildImage({
      ...(contextDir !== undefined ? { contextDir } : {}),
      dockerfile,
      tags: opts.tag,
      buildArgs: opts.buildArg,
      labels: opts.label,
      noCache: !opts.cache,
      pull: opts.pull,
      ...(opts.target !== undefined ? { target: opts.target } : {}),
      network: opts.network,
      rm,
      forceRm: opts.forceRm,
      reproducible: opts.reproducible,
      out,
      ...(opts.quiet ? { runOutput: (chunk: Buffer) => void held.push(chunk) } : {}),
      onContext: (bytes) => out(`Sending build context to Docker daemon  ${humanSize(bytes, 4)}`),
    });
    if (opts.quiet) {
      process.stdout.write(`${result.imageId}\n`);
      return;
    }
    out(`Successfully built ${result.imageId.replace(/^sha256:/, '').slice(0, 12)}`);
    for (const t of result.tags) out(`Successfully tagged ${t}`);
  } catch (err) {
    if (opts.quiet) process.stderr.write(Buffer.concat(held));
    // docker build exits 1 whatever failed (a pull, a RUN, a bad flag)
    if (err instanceof MiniboxError && err.exitCode !== 1) throw new MiniboxError(err.message, 1, { cause: err });
    throw err;
  }
}
