import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { minibox } from '../minibox.js';
import { buildImage } from '../oci-builder.js';

/**
 * The escape probes (probe.c): a static binary built once per source version into a cache
 * outside the repo, and the image `probe:latest` = busybox + /bin/probe, loaded into a
 * test's state root. In a container: `probe NAME [ARGS] [, NAME [ARGS]]...` prints
 * `ALLOWED` or `DENIED <ERRNO>` (prefixed by the probe's name when several are given).
 */
const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'probe.c');
const CACHE = path.join(os.tmpdir(), 'minibox-probe-cache');
export const PROBE_IMAGE = 'probe:latest';

let building: Promise<string> | undefined;

/** Path of the static probe binary (built with gcc -static on first use, keyed by the source hash). */
export function ensureProbeBinary(): Promise<string> {
  building ??= (async () => {
    const src = await fs.readFile(SOURCE);
    const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
    const bin = path.join(CACHE, `probe-${hash}`);
    if (existsSync(bin)) return bin;
    await fs.mkdir(CACHE, { recursive: true, mode: 0o700 });
    const tmpBin = `${bin}.${process.pid}.tmp`;
    await promisify(execFile)('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmpBin, SOURCE], { timeout: 120_000 });
    await fs.rename(tmpBin, bin); // atomic: parallel workers never see a half-written binary
    return bin;
  })();
  return building;
}

/** Build the probe image's OCI layout (a fresh temp dir; the caller removes it). */
export async function buildProbeLayout(): Promise<string> {
  const bin = await fs.readFile(await ensureProbeBinary());
  const image = await buildImage({
    name: 'docker.io/library/probe:latest',
    base: 'busybox',
    layers: [[{ path: 'bin/probe', type: 'file', mode: 0o755, content: bin }]],
  });
  return image.layoutDir;
}

/** Load `probe:latest` into the state root `root`. */
export async function loadProbeImage(root: string): Promise<void> {
  const layout = await buildProbeLayout();
  try {
    const r = await minibox(['load', '-q', '-i', layout], { root });
    if (r.code !== 0) throw new Error(`load probe image: ${r.stderr}`);
  } finally {
    await fs.rm(layout, { recursive: true, force: true });
  }
}

/** Parse the multi-probe output ("name ALLOWED" / "name DENIED EPERM" lines) into name → verdict. */
export function parseProbeLines(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (ALLOWED|DENIED \S+)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
