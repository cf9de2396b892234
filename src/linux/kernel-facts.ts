import { readFileSync } from 'node:fs';
import { release } from 'node:os';

/**
 * What the running kernel offers a container's confinement: the highest capability number
 * (/proc/sys/kernel/cap_last_cap), the machine in Docker's (GOARCH) spelling, the release.
 */
export interface KernelSecurityFacts {
  lastCap: number;
  arch: string;
  release: string;
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };

let cached: KernelSecurityFacts | undefined;

export function kernelSecurityFacts(): KernelSecurityFacts {
  if (cached) return cached;
  let lastCap = 40; // CAP_CHECKPOINT_RESTORE, kernels since 5.9
  try {
    const n = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    if (Number.isInteger(n) && n >= 0 && n < 64) lastCap = n;
  } catch {
    // no /proc (a unit test): the newest kernel's count
  }
  cached = { lastCap, arch: GOARCH[process.arch] ?? process.arch, release: release() };
  return cached;
}
