import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { statePaths } from '../util/paths.js';
import { MiniboxError } from '../util/errors.js';
import { findContainer } from '../container/lookup.js';
import { containerDirs } from '../container/store.js';
import { expandEnvFlags } from '../container/process.js';
import type { OciSpec } from '../container/spec.js';
import { spawnShim } from '../linux/shim.js';
import { containerCgroup } from '../linux/cgroups/index.js';
import { reconcile } from './containers.js';

/**
 * `exec`: `minibox-shim exec` joins the running container's namespaces and cgroup (in C, see
 * native-shim/src/enter.c) and runs the command there with the container's environment.
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

function keyOf(e: string): string {
  const i = e.indexOf('=');
  return i === -1 ? e : e.slice(0, i);
}

function mergeEnv(base: string[], extra: string[]): string[] {
  const m = new Map<string, string>();
  for (const e of [...base, ...extra]) m.set(keyOf(e), e);
  return [...m.values()];
}

function readDb(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** -u name|uid[:group|gid], resolved in the container's /etc/passwd and /etc/group (as Docker). */
export function resolveUser(root: string, spec: string): string {
  const [user = '', group] = spec.split(':');
  const passwd = readDb(path.join(root, 'etc', 'passwd'));
  const entry = passwd.find((p) => p[0] === user) ?? (/^\d+$/.test(user) ? passwd.find((p) => p[2] === user) : undefined);
  let uid: string;
  if (/^\d+$/.test(user)) uid = user;
  else if (entry?.[2] !== undefined) uid = entry[2];
  else throw new MiniboxError(`unable to find user ${user}: no matching entries in passwd file`, 126);
  let gid = entry?.[3] ?? '0';
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = group;
    else {
      const g = readDb(path.join(root, 'etc', 'group')).find((e) => e[0] === group);
      if (!g?.[2]) throw new MiniboxError(`unable to find group ${group}: no matching entries in group file`, 126);
      gid = g[2];
    }
  }
  return `${uid}:${gid}`;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export async function execInContainer(req: ExecRequest): Promise<number> {
  const paths = statePaths();
  const state = await reconcile(await findContainer(paths, req.ref));
  if (state.status !== 'running' || !state.pid) throw new MiniboxError(`container ${state.id} is not running`, 1);
  const spec = JSON.parse(await fs.readFile(path.join(containerDirs(paths, state.id).dir, 'config.json'), 'utf8')) as OciSpec;
  const cwd = req.workdir ?? spec.process.cwd;
  if (!cwd.startsWith('/')) throw new MiniboxError(`the working directory '${cwd}' is invalid, it needs to be an absolute path`, 1);
  const records = [`pid=${state.pid}`, `cwd=${cwd}`];
  for (const g of containerCgroup(state.id).joinPaths) records.push(`cgroup=${g}`);
  for (const a of req.command) records.push(`arg=${a}`);
  for (const e of mergeEnv(spec.process.env, expandEnvFlags(req.env, process.env))) records.push(`env=${e}`);
  if (req.user) records.push(`user=${resolveUser(`/proc/${state.pid}/root`, req.user)}`);
  if (req.tty) records.push('tty=1');
  if (req.interactive && !req.detach) records.push('stdin=1');
  if (records.some((r) => r.includes('\0'))) throw new MiniboxError('invalid argument: NUL byte');
  const bytes = Buffer.from(records.map((r) => `${r}\0`).join(''));
  const shim = spawnShim('exec', bytes, (req.interactive || req.tty) && !req.detach ? 'inherit' : 'ignore', {
    detach: req.detach,
    tty: req.tty && !req.detach,
  });
  const forward = (s: NodeJS.Signals) => shim.child.kill(s);
  if (!req.detach) for (const s of FORWARDED) process.on(s, forward);
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
    for (const s of FORWARDED) process.off(s, forward);
  }
}
