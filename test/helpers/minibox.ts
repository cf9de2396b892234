import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import tmp from 'tmp';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATE_ROOT_PREFIX } from './state-roots.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MINIBOX_BIN = path.join(REPO, 'bin', 'minibox');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  root: string; // MINIBOX_ROOT for this test
  input?: string;
  env?: Record<string, string>;
  uid?: number;
  timeoutMs?: number;
}

/** Run the real CLI as a user would, with the test's own state root. */
export function minibox(args: string[], opts: RunOpts): Promise<Result> {
  return new Promise((resolve, reject) => {
    // `--`: Node 20 would otherwise take a `--env-file` meant for `run` as its own option
    const child = spawn(process.execPath, ['--', MINIBOX_BIN, ...args], {
      env: { ...process.env, ...opts.env, MINIBOX_ROOT: opts.root },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stdout, stderr });
    });
    // A command that never reads its input (or has exited already) closes the pipe: EPIPE
    // on this write is expected, and without a listener it would be an uncaught error in
    // the test worker (seen once in CI, in build.test.ts). The result still tells the test.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

// tmp removes what a test file forgot, or could not remove because it failed, when the
// worker process exits
tmp.setGracefulCleanup();

/** A fresh state root, named so that leakcheck knows mounts under it as minibox's (state-roots.ts). */
export function makeStateRoot(): { root: string; cleanup: () => void } {
  const dir = tmp.dirSync({ prefix: STATE_ROOT_PREFIX, tmpdir: os.tmpdir(), unsafeCleanup: true });
  return { root: dir.name, cleanup: () => rmSync(dir.name, { recursive: true, force: true }) };
}
