import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MiniboxError } from '../util/errors.js';
import { shimPath } from './shim.js';
import { signalNumber } from './signals.js';

/**
 * `minibox-shim attach` (native-shim/src/exec/attach_client.h): the client end of the detached
 * monitor's attach socket, run with our stdio (it owns the terminal: raw mode, SIGWINCH, the
 * detach keys). Resolves with its exit status: the container's, or 1 (detached, or attaching
 * failed; it said why on stderr), 128+n when a signal ended it. Without a tty it runs in a
 * session of its own, so a Ctrl-C reaches it once, through us (we pass signals on), as `exec`'s
 * shim; with one it stays in our process group: it owns the terminal (raw, so Ctrl-C is a byte)
 * and gets the terminal's SIGWINCH itself.
 */
export interface AttachClientOptions {
  statedir: string;
  detachKeys: readonly number[]; // bytes, already parsed from Docker's --detach-keys
  stdin: boolean; // false: --no-stdin
  sigProxy: boolean;
  tty: boolean; // the container has one: the client shares our terminal's process group
}

export function startAttachClient(o: AttachClientOptions): { child: ChildProcess; status: Promise<number> } {
  const bin = shimPath();
  if (!existsSync(bin)) throw new MiniboxError(`the shim ${bin} is missing: run 'npm run build' (or the setup script) first`);
  const args = ['attach', o.statedir, `--keys=${o.detachKeys.join(',')}`];
  if (!o.stdin) args.push('--no-stdin');
  if (o.sigProxy) args.push('--sig-proxy');
  const child = spawn(bin, args, { stdio: ['inherit', 'inherit', 'inherit'], detached: !o.tty });
  const status = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
  return { child, status };
}
