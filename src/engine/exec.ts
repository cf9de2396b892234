import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { expandEnvFlags, mergeEnv } from '../container/resolve-process.js';
import { readSpec } from '../container/spec-read.js';
import { userOf } from '../container/spec.js';
import { shimProcessOf } from '../container/process-options.js';
import { encodeProcessRecords } from '../linux/shim-process.js';
import { encodeSecurityRecords, spawnShim } from '../linux/shim.js';
import { execSecurityOf, seccompCacheDir } from '../container/security/shim-security.js';
import { FORWARDED_SIGNALS } from '../linux/signals.js';
import { containerCgroup } from '../linux/cgroups/index.js';
import { containerPaused, reconcile } from './containers.js';

/**
 * `exec`: `minibox-shim exec` joins the running container's namespaces and cgroup (in C, see
 * native-shim/src/exec/enter.c) and runs the command there with the container's environment,
 * its stdio relayed through pipes (or a pty), -u resolved in the container's own passwd.
 */
export interface ExecRequest {
  ref: string;
  command: string[];
  detach: boolean;
  interactive: boolean;
  tty: boolean;
  env: string[];
  workdir?: string;
  user?: string;
}

export async function execInContainer(req: ExecRequest): Promise<number> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, req.ref));
  if (state.status !== 'running' || !state.pid) throw new MiniboxError(`container ${state.id} is not running`, 1);
  if (containerPaused(state)) throw new MiniboxError(`Container ${req.ref} is paused, unpause the container before exec`, 1);
  const spec = await readSpec(containerDirs(paths, state.id).dir);
  const cwd = req.workdir ?? spec.process.cwd;
  if (!cwd.startsWith('/')) throw new MiniboxError(`the working directory '${cwd}' is invalid, it needs to be an absolute path`, 1);
  const records = [`pid=${state.pid}`, `cwd=${cwd}`];
  for (const g of containerCgroup(state.id).joinPaths) records.push(`cgroup=${g}`);
  for (const a of req.command) records.push(`arg=${a}`);
  for (const e of mergeEnv(spec.process.env, expandEnvFlags(req.env, process.env))) records.push(`env=${e}`);
  // -u, else the container's user (Docker); resolved by the shim in the container's mount namespace
  const user = req.user || userOf(spec);
  if (user) records.push(`user=${user}`);
  // --group-add applies to exec as to the container's process (Docker's getUser adds
  // HostConfig.GroupAdd for exec, -u or not); the user's own groups come from /etc/group
  const { groupAdd } = shimProcessOf(spec);
  if (groupAdd) records.push(...encodeProcessRecords({ groupAdd }));
  if (req.tty) records.push('tty=1');
  records.push(...encodeSecurityRecords(execSecurityOf(spec, seccompCacheDir(paths.root)))); // confined as the container is
  if (req.interactive && !req.detach) records.push('stdin=1');
  if (records.some((r) => r.includes('\0'))) throw new MiniboxError('invalid argument: NUL byte');
  const bytes = Buffer.from(records.map((r) => `${r}\0`).join(''));
  const shim = spawnShim('exec', bytes, (req.interactive || req.tty) && !req.detach ? 'inherit' : 'ignore', {
    detach: req.detach,
    tty: req.tty && !req.detach,
  });
  const forward = (s: NodeJS.Signals) => shim.child.kill(s);
  if (!req.detach) for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  const exited = new Promise<number>((resolve) => shim.child.on('exit', (code) => resolve(code ?? 255)));
  let status: number | undefined;
  try {
    for await (const ev of shim.events) {
      if (ev.kind === 'error') throw new MiniboxError(ev.message.replace(/^minibox: /, ''), ev.code);
      if (ev.kind === 'pid' && req.detach) {
        // the command runs on; the shim waits for it, Node does not
        (shim.child.stdio[4] as NodeJS.ReadableStream & { destroy(): void }).destroy();
        shim.child.unref();
        return 0;
      }
      if (ev.kind === 'exit') status = ev.status;
    }
    return status ?? (await exited);
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
}
