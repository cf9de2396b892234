import { MiniboxError } from '../../util/errors.js';

/** stop, kill, start, restart, wait: each ref in turn, its name printed as Docker does. */
async function each(refs: string[], act: (ref: string) => Promise<string | void>): Promise<number> {
  let code = 0;
  for (const ref of refs) {
    try {
      const out = await act(ref);
      process.stdout.write(`${out ?? ref}\n`);
    } catch (err) {
      if (!(err instanceof MiniboxError)) throw err;
      process.stderr.write(`minibox: ${err.message}\n`);
      code = 1;
    }
  }
  return code;
}

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new MiniboxError(`invalid argument "${v}" for "-t, --time" flag`, 125);
  return Math.max(0, Number(v));
}

export async function stopCommand(refs: string[], opts: { time?: string; signal?: string }): Promise<number> {
  const { stopContainer } = await import('../../engine/lifecycle.js');
  const s = seconds(opts.time);
  return each(refs, (ref) => stopContainer(ref, { ...(s !== undefined ? { seconds: s } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }));
}

export async function killCommand(refs: string[], opts: { signal?: string }): Promise<number> {
  const { killContainer } = await import('../../engine/lifecycle.js');
  return each(refs, (ref) => killContainer(ref, opts.signal ?? 'SIGKILL'));
}

export async function restartCommand(refs: string[], opts: { time?: string }): Promise<number> {
  const { restartContainer } = await import('../../engine/lifecycle.js');
  const s = seconds(opts.time);
  return each(refs, (ref) => restartContainer(ref, s));
}

export async function waitCommand(refs: string[]): Promise<number> {
  const { waitContainer } = await import('../../engine/lifecycle.js');
  return each(refs, async (ref) => String(await waitContainer(ref)));
}

/** start [-a]: with -a, the output from now on, until the container exits; its exit code. */
export async function startCommand(refs: string[], opts: { attach: boolean; interactive: boolean }): Promise<number> {
  const { startContainer, waitContainer } = await import('../../engine/lifecycle.js');
  if (!opts.attach) return each(refs, async (ref) => void (await startContainer(ref)));
  if (refs.length !== 1) throw new MiniboxError('you cannot start and attach multiple containers at once', 1);
  const ref = refs[0] ?? '';
  const { logSize, readLogs } = await import('../../engine/logs.js');
  const fromOffset = await logSize(ref);
  await startContainer(ref);
  await readLogs(ref, { follow: true, fromOffset }, (e) => (e.stream === 'stderr' ? process.stderr : process.stdout).write(e.log));
  return waitContainer(ref);
}
