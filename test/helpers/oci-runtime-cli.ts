import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, type Result } from './minibox.js';

export const RUNTIME = path.join(REPO, 'bin', 'minibox-runtime');

/**
 * minibox-runtime's CLI for a test, with `--root root()`. create (and run -d / exec -d) leave
 * the init holding their stdio, as runc does: they get a file (`outFile(name)`), not our pipes,
 * whose close would wait for the container; their stderr is read back from it when they exit.
 */
export function runtimeCli(root: () => string, outFile: (name: string) => string): (...args: string[]) => Promise<Result> {
  let execs = 0;
  return (...args) => {
    const detached = args.includes('-d') || args.includes('--detach');
    const held = args[0] === 'create' || ((args[0] === 'run' || args[0] === 'exec') && detached);
    const file = held ? outFile(args[0] === 'exec' ? `exec-${++execs}` : args[args.length - 1]!) : '';
    const out = held ? openSync(file, 'w') : undefined;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--', RUNTIME, '--root', root(), ...args], { stdio: ['ignore', out ?? 'pipe', out ?? 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => (stdout += d));
      child.stderr?.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on(held ? 'exit' : 'close', (code) => {
        clearTimeout(timer);
        if (out !== undefined) {
          closeSync(out);
          stderr = readFileSync(file, 'utf8');
        }
        resolve({ code: code ?? 1, stdout, stderr });
      });
    });
  };
}
