import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { shimPath } from './shim.js';

/**
 * `minibox-shim cp` (native-shim/src/exec/cp.h): run `args` in a private mount namespace
 * where the container's overlay is mounted on `rootfs`; the mount goes with the namespace.
 * stdio are ours (a tar may flow through them); resolves with the program's exit status.
 */
export interface OverlayView {
  id: string;
  rootfs: string;
  lowerDirs: string[]; // bottom → top, as config.json has them
  upper: string;
  work: string;
}

function encode(view: OverlayView, args: string[]): Buffer {
  const records = [`id=${view.id}`, `rootfs=${view.rootfs}`];
  for (const l of [...view.lowerDirs].reverse()) records.push(`lower=${l}`); // the shim wants top first
  records.push(`upper=${view.upper}`, `work=${view.work}`, ...args.map((a) => `arg=${a}`));
  return Buffer.from(records.map((r) => `${r}\0`).join(''));
}

export function runInOverlayView(view: OverlayView, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(shimPath(), ['cp'], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], env });
    const config = child.stdio[3] as Writable;
    config.on('error', () => undefined); // an early exit says why on stderr
    config.end(encode(view, args));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Whether the overlay is mounted on `rootfs` here (a stray MINIBOX_CP_ROOT outside the shim's namespace is not a view). */
export function overlayMountedOn(rootfs: string): boolean {
  try {
    return statSync(rootfs).dev !== statSync(path.dirname(rootfs)).dev;
  } catch {
    return false;
  }
}
