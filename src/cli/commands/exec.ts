import type { Command } from 'commander';
import { collect } from '../options.js';
import type { ExecRequest } from '../../engine/exec.js';

export function defineExec(program: Command): void {
  program
    .command('exec')
    .description('Execute a command in a running container')
    .usage('[OPTIONS] CONTAINER COMMAND [ARG...]')
    .argument('<container>')
    .argument('<command...>')
    .option('-d, --detach', 'Detached mode: run command in the background', false)
    .option('-i, --interactive', 'Keep STDIN open even if not attached', false)
    .option('-t, --tty', 'Allocate a pseudo-TTY', false)
    .option('-e, --env <env>', 'Set environment variables', collect, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user>', 'Username or UID (format: "<name|uid>[:<group|gid>]")')
    .passThroughOptions()
    .action(async (ref: string, command: string[], opts: ExecOptions) => {
      process.exitCode = await execCommand(ref, command, opts);
    });
}

/** exec's flags as commander parsed them: the engine's request less what the arguments name. */
export type ExecOptions = Omit<ExecRequest, 'ref' | 'command'>;

export async function execCommand(ref: string, command: string[], opts: ExecOptions): Promise<number> {
  const { execInContainer } = await import('../../engine/exec.js');
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
