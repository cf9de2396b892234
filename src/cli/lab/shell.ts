import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The lab runner's processes: a step's script (bash, in the lab's folder, stdout and stderr
 * together, stdin empty, under timeout(1)), and short engine commands written as shell lines
 * so that `$ENGINE`'s words split as the steps see them ("podman --runtime runc").
 */

export interface ScriptResult {
  status: number;
  output: string; // stdout and stderr interleaved; trailing newlines dropped, CRs removed
  timedOut: boolean;
}

/** The process group's running step, signalled again when the runner itself is interrupted. */
let current: ReturnType<typeof spawn> | undefined;

export function signalCurrentStep(sig: NodeJS.Signals): void {
  current?.kill(sig);
}

/**
 * One script. Output goes to a file both streams share (so their lines interleave as a
 * terminal shows them, and a background process that keeps the stream open cannot hold the
 * step); the step ends when bash does.
 */
export function runScript(script: string, opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutS: number }): Promise<ScriptResult> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'minibox-lab-out-'));
  const file = path.join(scratch, 'out');
  const fd = openSync(file, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('timeout', ['--foreground', '-k', '5', String(opts.timeoutS), 'bash', '-c', script], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', fd, fd],
    });
    current = child;
    const done = (status: number) => {
      current = undefined;
      closeSync(fd);
      const output = readFileSync(file, 'utf8').replace(/\r/g, '').replace(/\n+$/, '');
      rmSync(scratch, { recursive: true, force: true });
      resolve({ status, output, timedOut: status === 124 });
    };
    child.on('error', (err) => {
      current = undefined;
      closeSync(fd);
      rmSync(scratch, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code, signal) => done(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
  });
}

export interface LineResult {
  status: number;
  stdout: string;
}

/** A short command line (engine set-up and clean-up), run to completion. */
export function shellLine(line: string, opts: { env?: NodeJS.ProcessEnv; cwd?: string; quiet?: boolean } = {}): LineResult {
  const r = spawnSync('bash', ['-c', line], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', opts.quiet === false ? 'inherit' : 'pipe'],
  });
  return { status: r.status ?? 128, stdout: r.stdout ?? '' };
}

/** Whether a command is on the PATH. */
export function hasCommand(name: string): boolean {
  return shellLine(`command -v ${name} >/dev/null`).status === 0;
}
