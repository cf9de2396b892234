import { runContainer } from '../../engine/run.js';

/** Flags of `minibox run` as commander parsed them. */
export interface RunOptions {
  rm: boolean;
  name?: string;
  env: string[];
  entrypoint?: string;
  workdir?: string;
  hostname?: string;
  interactive: boolean;
}

export async function runCommand(image: string, command: string[], opts: RunOptions): Promise<number> {
  return runContainer({
    image,
    command,
    env: opts.env,
    interactive: opts.interactive,
    autoRemove: opts.rm,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
    ...(opts.hostname !== undefined ? { hostname: opts.hostname } : {}),
  });
}
