import { MiniboxError } from '../util/errors.js';
import { parseSize } from './resources.js';
import type { OciSpec } from './spec.js';

/**
 * `--sysctl K=V` for the namespaced sysctls Docker allows (docker/cli opts ValidateSysctl):
 * the IPC ones (kernel.msg*, kernel.sem, kernel.shm*), fs.mqueue.* and net.* (refused with
 * --network host, as runc refuses writing the host's). Kept as OCI linux.sysctl; the shim
 * writes them under the container's fresh /proc, inside its namespaces.
 */
const ALLOWED = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
const PREFIXES = ['net.', 'fs.mqueue.'];

export function parseSysctls(flags: string[], networkMode: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    const key = eq === -1 ? f : f.slice(0, eq);
    const allowed = eq !== -1 && (ALLOWED.includes(key) || PREFIXES.some((p) => key.startsWith(p)));
    if (!allowed) throw new MiniboxError(`invalid argument "${f}" for "--sysctl" flag: sysctl '${f}' is not whitelisted`);
    // a path under /proc/sys: no empty, '.'/'..' or slash-bearing component can escape it
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(key) || /[\0\n]/.test(f)) throw new MiniboxError(`invalid argument "${f}" for "--sysctl" flag: invalid sysctl name`);
    if (key.startsWith('net.') && networkMode === 'host') throw new MiniboxError(`sysctl "${key}" not allowed in host network namespace`);
    out[key] = f.slice(eq + 1);
  }
  return out;
}

/** `--shm-size`: bytes (Docker's RAMInBytes), > 0. */
export function parseShmSize(value: string): number {
  const n = parseSize(value, '--shm-size');
  if (n <= 0) throw new MiniboxError(`invalid argument "${value}" for "--shm-size" flag: SHM size can not be less than or equal to 0`);
  return n;
}

/** The /dev/shm mount of the spec with size=BYTES (what the shim mounts). */
export function withShmSize(spec: OciSpec, bytes: number): OciSpec {
  const mounts = spec.mounts.map((m) =>
    m.destination === '/dev/shm' ? { ...m, options: [...(m.options ?? []).filter((o) => !o.startsWith('size=')), `size=${bytes}`] } : m,
  );
  return { ...spec, mounts };
}

/** The size=BYTES of the spec's /dev/shm, when not the default 64 MiB (which the shim mounts anyway). */
export function shmSizeOf(spec: OciSpec): number | undefined {
  const opt = spec.mounts.find((m) => m.destination === '/dev/shm')?.options?.find((o) => /^size=\d+$/.test(o));
  const n = opt ? Number(opt.slice('size='.length)) : undefined;
  return n !== undefined && n !== 64 * 1024 * 1024 ? n : undefined;
}
