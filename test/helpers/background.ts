import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MINIBOX_BIN, type Result } from './minibox.js';

/**
 * A foreground `minibox run --name NAME …` started in the background of a test, for
 * tests that act on a running container (limits, stats, signals) until detached mode lands.
 */
export interface Background {
  child: ChildProcess;
  done: Promise<Result>;
  /** The container's state.json once it is running. */
  running(): Promise<{ id: string; pid: number }>;
}

const started: Array<{ root: string; name: string; bg: Background }> = [];

/**
 * For afterEach: force-remove every container this file started in the background, even
 * when a test failed half-way, and wait for their minibox processes to end.
 */
export async function stopBackgrounds(): Promise<void> {
  const { minibox } = await import('./minibox.js');
  for (const { root, name, bg } of started.splice(0)) {
    if (bg.child.exitCode === null) await minibox(['rm', '-f', name], { root });
    await bg.done;
  }
}

export function runInBackground(root: string, name: string, args: string[]): Background {
  const child = spawn(process.execPath, [MINIBOX_BIN, 'run', '--name', name, ...args], {
    env: { ...process.env, MINIBOX_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<Result>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  const running = async () => {
    for (let i = 0; i < 1000; i++) {
      const state = findState(root, name);
      if (state?.status === 'running' && state.pid) return { id: state.id, pid: state.pid };
      if (child.exitCode !== null) throw new Error(`container ${name} exited early: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`container ${name} never started`);
  };
  const bg = { child, done, running };
  started.push({ root, name, bg });
  return bg;
}

function findState(root: string, name: string): { id: string; pid: number; status: string } | undefined {
  try {
    for (const id of readdirSync(path.join(root, 'containers'))) {
      try {
        const s = JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8'));
        if (s.name === name) return s;
      } catch {
        // being written
      }
    }
  } catch {
    // no containers yet
  }
  return undefined;
}
