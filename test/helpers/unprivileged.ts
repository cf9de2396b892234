import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, type Result } from './minibox.js';

export const NOBODY = 65534;

/**
 * Run the real bin/minibox as an unprivileged user (nobody), wherever the checkout is.
 * A checkout under /root (0700) cannot be reached by nobody, so node would fail with
 * "Cannot find module …/bin/minibox" before minibox runs at all. Instead: a private mount
 * namespace (unshare -m, so the host never sees the mount) where the checkout is
 * bind-mounted at a fresh 0755 folder in the temp dir, then setpriv drops to nobody and
 * runs bin/minibox from there: the same files, reachable by anyone.
 */
export async function mbAsNobody(args: string[], opts: { root: string; timeoutMs?: number }): Promise<Result> {
  const at = mkdtempSync(path.join(os.tmpdir(), 'checkout-for-nobody-'));
  chmodSync(at, 0o755);
  const script = 'mount --bind "$1" "$2" && shift 2 && exec setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups -- "$@"';
  const argv = ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', REPO, at,
    process.execPath, path.join(at, 'bin', 'minibox'), ...args];
  try {
    return await spawnResult('unshare', argv, { ...process.env, MINIBOX_ROOT: opts.root, NOBODY: String(NOBODY) }, opts.timeoutMs ?? 30_000);
  } finally {
    rmdirSync(at); // empty again: the bind mount lived only in the namespace
  }
}

function spawnResult(cmd: string, argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stdout, stderr });
    });
  });
}
