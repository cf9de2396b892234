import type { Command } from 'commander';
import { MiniboxError } from '../../util/errors.js';
import { goBool } from '../options.js';

/** attach: Docker's flags; the exit code is the container's (1 after a detach, as Docker's). */
export function defineAttach(program: Command): void {
  program
    .command('attach')
    .description('Attach local standard input, output, and error streams to a running container')
    .usage('[OPTIONS] CONTAINER')
    .argument('[container]')
    .option('--detach-keys <keys>', 'Override the key sequence for detaching a container')
    .option('--no-stdin', 'Do not attach STDIN')
    .option('--sig-proxy [bool]', 'Proxy all received signals to the process (default true)')
    .action(async (ref: string | undefined, opts: { detachKeys?: string; stdin: boolean; sigProxy?: string | boolean }) => {
      const { sigProxy, container } = sigProxyAndContainer(opts.sigProxy, ref);
      const { attachContainer } = await import('../../engine/attach.js');
      process.exitCode = await attachContainer({
        ref: container,
        ...(opts.detachKeys !== undefined ? { detachKeys: opts.detachKeys } : {}),
        stdin: opts.stdin,
        sigProxy,
      });
    });
}

/**
 * --sig-proxy is a Go boolean flag: bare, or --sig-proxy=false. commander's optional value
 * also takes the next word (`--sig-proxy web`): a word that is no boolean is the container.
 */
export function sigProxyAndContainer(v: string | boolean | undefined, ref: string | undefined): { sigProxy: boolean; container: string } {
  let sigProxy = true;
  let container = ref;
  if (typeof v === 'string') {
    const b = goBool(v);
    if (b !== undefined) sigProxy = b;
    else if (container === undefined) container = v;
    else throw new MiniboxError(`invalid argument "${v}" for "--sig-proxy" flag: strconv.ParseBool: parsing "${v}": invalid syntax`, 125);
  }
  if (container === undefined) throw new MiniboxError('"minibox attach" requires exactly 1 argument', 1);
  return { sigProxy, container };
}
