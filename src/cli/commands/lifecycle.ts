import type { Command } from 'commander';
import { MiniboxError } from '../../util/errors.js';

/** stop, kill, start, restart and wait; each loads the engine when it runs. */
export function defineStop(program: Command): void {
  program
    .command('stop')
    .description('Stop one or more running containers')
    .argument('<container...>')
    .option('-t, --time <seconds>', 'Seconds to wait before killing the container')
    .option('-s, --signal <signal>', 'Signal to send to the container')
    .action(async (refs: string[], opts: { time?: string; signal?: string }) => {
      process.exitCode = await stopCommand(refs, opts);
    });
}

export function defineKill(program: Command): void {
  program
    .command('kill')
    .description('Kill one or more running containers')
    .argument('<container...>')
    .option('-s, --signal <signal>', 'Signal to send to the container', 'SIGKILL')
    .action(async (refs: string[], opts: { signal?: string }) => {
      process.exitCode = await killCommand(refs, opts);
    });
}

export function defineStart(program: Command): void {
  program
    .command('start')
    .description('Start one or more stopped containers')
    .argument('<container...>')
    .option('-a, --attach', 'Attach STDOUT/STDERR and forward signals', false)
    .option('-i, --interactive', "Attach container's STDIN", false)
    .action(async (refs: string[], opts: { attach: boolean; interactive: boolean }) => {
      process.exitCode = await startCommand(refs, opts);
    });
}

export function defineRestart(program: Command): void {
  program
    .command('restart')
    .description('Restart one or more containers')
    .argument('<container...>')
    .option('-t, --time <seconds>', 'Seconds to wait before killing the container')
    .action(async (refs: string[], opts: { time?: string }) => {
      process.exitCode = await restartCommand(refs, opts);
    });
}

export function defineWait(program: Command): void {
  program
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<container...>')
    .action(async (refs: string[]) => {
      process.exitCode = await waitCommand(refs);
    });
}

/**
 * The commands that act on several containers (stop, kill, start, restart, wait, pause,
 * unpause): each ref in turn, its name (or what `act` returns) printed as Docker does, a
 * failure printed and the rest still done; exit 1 if any failed.
 */
export async function eachContainer(refs: string[], act: (ref: string) => Promise<string | void>): Promise<number> {
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
  return eachContainer(refs, (ref) => stopContainer(ref, { ...(s !== undefined ? { seconds: s } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }));
}

export async function killCommand(refs: string[], opts: { signal?: string }): Promise<number> {
  const { killContainer } = await import('../../engine/lifecycle.js');
  return eachContainer(refs, (ref) => killContainer(ref, opts.signal ?? 'SIGKILL'));
}

export async function restartCommand(refs: string[], opts: { time?: string }): Promise<number> {
  const { restartContainer } = await import('../../engine/lifecycle.js');
  const s = seconds(opts.time);
  return eachContainer(refs, (ref) => restartContainer(ref, s));
}

export async function waitCommand(refs: string[]): Promise<number> {
  const { waitContainer } = await import('../../engine/lifecycle.js');
  return eachContainer(refs, async (ref) => String(await waitContainer(ref)));
}

/** start [-a]: with -a, the output from now on, until the container exits; its exit code. */
export async function startCommand(refs: string[], opts: { attach: boolean; interactive: boolean }): Promise<number> {
  const { waitContainer } = await import('../../engine/lifecycle.js');
  const { startContainer } = await import('../../engine/start.js');
  if (!opts.attach) return eachContainer(refs, async (ref) => void (await startContainer(ref)));
  if (refs.length !== 1) throw new MiniboxError('you cannot start and attach multiple containers at once', 1);
  const ref = refs[0] ?? '';
  const { logSize, readLogs } = await import('../../engine/logs.js');
  const fromOffset = await logSize(ref);
  await startContainer(ref);
  await readLogs(ref, { follow: true, fromOffset }, (e) => (e.stream === 'stderr' ? process.stderr : process.stdout).write(e.log));
  return waitContainer(ref);
}
