import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './minibox.js';

/** The real busybox OCI layout built by images/busybox/build.sh, cached in images/busybox/out. */
export const BUSYBOX_LAYOUT = path.join(REPO, 'images', 'busybox', 'out', 'busybox-oci');

let building: Promise<string> | undefined;

export function ensureBusyboxLayout(): Promise<string> {
  if (existsSync(path.join(BUSYBOX_LAYOUT, 'index.json'))) return Promise.resolve(BUSYBOX_LAYOUT);
  building ??= promisify(execFile)('bash', [path.join(REPO, 'images', 'busybox', 'build.sh')], { timeout: 120_000 }).then(
    () => BUSYBOX_LAYOUT,
  );
  return building;
}
