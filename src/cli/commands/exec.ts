import { execInContainer } from '../../engine/exec.js';

export interface ExecOptions {
  detach: boolean;
  interactive: boolean;
  tty: boolean;
  env: string[];
  workdir?: string;
  user?: string;
}

export async function execCommand(ref: string, command: string[], opts: ExecOptions): Promise<number> {
  return execInContainer({
    ref,
    command,
    detach: opts.detach,
    interactive: opts.interactive,
    tty: opts.tty,
    env: opts.env,
    ...(opts.workdir !== undefined ? { workdir: opts.workdir } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
  });
}
