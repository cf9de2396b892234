import type { ImageRuntimeConfig } from '../image/config.js';
import { MiniboxError } from '../util/errors.js';

/**
 * How Docker turns an image config plus `run` flags into the container's process:
 * argv, environment and working directory. Pure, so every rule is unit-tested.
 */
export interface ProcessFlags {
  command: string[]; // what followed IMAGE on the command line
  entrypoint?: string; // --entrypoint ("" clears the image's)
  env: string[]; // -e KEY=VALUE or -e KEY (taken from the caller's environment)
  workdir?: string; // -w
  user?: string; // -u (over the image's USER)
  hostname: string;
}

export interface ContainerProcess {
  args: string[];
  env: string[];
  cwd: string;
  user: string; // name|uid[:group|gid] as Docker's Config.User; '' = root. Resolved by the shim inside the container.
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker: --entrypoint replaces the image's Entrypoint *and* drops its Cmd; arguments replace Cmd. */
export function resolveArgs(image: ImageRuntimeConfig, flags: Pick<ProcessFlags, 'command' | 'entrypoint'>): string[] {
  let entrypoint = image.Entrypoint ?? [];
  let cmd = image.Cmd ?? [];
  if (flags.entrypoint !== undefined) {
    entrypoint = flags.entrypoint === '' ? [] : [flags.entrypoint];
    cmd = [];
  }
  if (flags.command.length > 0) cmd = flags.command;
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) {
    throw new MiniboxError('no command specified: the image has no Cmd or Entrypoint; give a command after the image name');
  }
  return args;
}

function keyOf(entry: string): string {
  const eq = entry.indexOf('=');
  return eq === -1 ? entry : entry.slice(0, eq);
}

/** Merge env lists left to right, a later KEY replacing an earlier one in place (run and exec). */
export function mergeEnv(...lists: string[][]): string[] {
  const merged = new Map<string, string>();
  for (const list of lists) for (const e of list) merged.set(keyOf(e), e);
  return [...merged.values()];
}

/** `-e KEY` copies KEY from the caller's environment, and is dropped when unset (like Docker). */
export function expandEnvFlags(flags: string[], callerEnv: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const f of flags) {
    if (f.startsWith('=') || f === '') throw new MiniboxError(`invalid environment variable: ${f}`);
    if (f.includes('=')) out.push(f);
    else if (callerEnv[f] !== undefined) out.push(`${f}=${callerEnv[f]}`);
  }
  return out;
}

/**
 * Docker's order: PATH (default when the image has none), HOSTNAME, image Env, -e flags.
 * No HOME here: without one, the shim sets it from the user's passwd entry inside the
 * container (as runc does), so `USER app` gets app's home rather than /root.
 */
export function resolveEnv(image: ImageRuntimeConfig, flagEnv: string[], hostname: string): string[] {
  const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`];
  return mergeEnv(base, image.Env ?? [], flagEnv);
}

/** -u over the image's USER; only its shape is checked here, the names are the container's. */
export function resolveUser(image: ImageRuntimeConfig, flagUser: string | undefined): string {
  const user = flagUser ?? image.User ?? '';
  if (/[\0\n]/.test(user)) throw new MiniboxError(`invalid user: ${JSON.stringify(user)}`);
  return user;
}

export function resolveCwd(image: ImageRuntimeConfig, workdir: string | undefined): string {
  const cwd = workdir ?? (image.WorkingDir || '/');
  if (!cwd.startsWith('/')) {
    throw new MiniboxError(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  }
  return cwd;
}

export function resolveProcess(image: ImageRuntimeConfig, flags: ProcessFlags, callerEnv: NodeJS.ProcessEnv): ContainerProcess {
  return {
    args: resolveArgs(image, flags),
    env: resolveEnv(image, expandEnvFlags(flags.env, callerEnv), flags.hostname),
    cwd: resolveCwd(image, flags.workdir),
    user: resolveUser(image, flags.user),
  };
}
