import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { readHostConfig } from '../container/hostconfig.js';
import { startAttachClient } from '../linux/shim-attach.js';
import { FORWARDED_SIGNALS } from '../linux/signals.js';
import { containerPaused, reconcile } from './containers.js';

/**
 * `attach`: the terminal joins a detached container's stdio. Its C monitor serves the live
 * output (and takes stdin, window sizes, proxied signals) on containers/<id>/attach.sock
 * (native-shim/src/monitor/attach_proto.h); the C client does the terminal work, Node checks
 * the container and waits. Detaching (ctrl-p ctrl-q, or --detach-keys) leaves it running.
 */
export interface AttachRequest {
  ref: string;
  detachKeys?: string; // Docker's format: ctrl-p,ctrl-q
  stdin: boolean; // false: --no-stdin
  sigProxy: boolean;
}

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** ctrl-@ … ctrl-_ are the control bytes 0 … 31, in ASCII order (moby/term's table). */
const CTRL_KEYS = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/**
 * Docker's --detach-keys: comma-separated keys, each one character or `ctrl-<x>` (x one of
 * a-z @ [ \ ] ^ _), or DEL; the bytes to look for in the input.
 */
export function parseDetachKeys(keys: string): number[] {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    const ctrl = /^ctrl-(.)$/.exec(key);
    const index = ctrl ? CTRL_KEYS.indexOf(ctrl[1] ?? '') : -1;
    if (Buffer.byteLength(key) === 1) out.push(Buffer.from(key)[0] ?? 0);
    else if (index >= 0) out.push(index);
    else if (key === 'DEL') out.push(127);
    else throw new MiniboxError(`invalid detach keys (${keys}): Unknown character: '${key}'`, 1);
  }
  return out;
}

export async function attachContainer(req: AttachRequest): Promise<number> {
  const keys = parseDetachKeys(req.detachKeys || DEFAULT_DETACH_KEYS);
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, req.ref));
  if (state.status !== 'running') throw new MiniboxError('You cannot attach to a stopped container, start it first', 1);
  if (containerPaused(state)) throw new MiniboxError('You cannot attach to a paused container, unpause it first', 1);
  const dir = containerDirs(paths, state.id).dir;
  const { tty } = await readHostConfig(dir);
  // Docker's CheckTty: a tty container's input must come from a terminal
  if (req.stdin && tty && !process.stdin.isTTY) throw new MiniboxError('the input device is not a TTY', 1);
  const client = startAttachClient({ statedir: dir, detachKeys: keys, stdin: req.stdin, sigProxy: req.sigProxy, tty });
  // the client passes signals on to the container (--sig-proxy) or dies of them; Node hands
  // them to it and must not die of a Ctrl-C meant for the client
  const forward = (s: NodeJS.Signals) => client.child.kill(s);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  try {
    return await client.status;
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
}
