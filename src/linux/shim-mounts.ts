/**
 * The container's own mounts for the shim: the `mount` keys of
 * native-shim/src/config/mountconfig.h. One option a record (never a comma-joined string),
 * so a path or option cannot splice extra mount options in; the shim checks each again.
 */
export interface ShimMount {
  type: 'bind' | 'tmpfs' | 'fs'; // fs: an OCI bundle's filesystem mount (run/oci_mounts.h)
  source: string; // bind: host path
  target: string; // absolute, resolved by the shim inside the rootfs
  opts: string[]; // ro nosuid nodev noexec, a propagation (rprivate by default); fs: also atime/sync flags
  data: string[]; // tmpfs: size=…, mode=…; fs: the filesystem's own options, one each
  fstype?: string; // fs: proc, sysfs, devpts, tmpfs, cgroup…
  fsSource?: string; // fs: the source ("proc", "tmpfs"…)
  replace?: boolean; // fs: made over the shim's own mount of that standard destination
}

export function encodeMountRecords(mounts: ShimMount[] | undefined, readonlyRoot: boolean | undefined): string[] {
  const out: string[] = [];
  for (const m of mounts ?? []) {
    out.push(`mount=${m.type}`);
    if (m.type === 'bind') out.push(`mount.src=${m.source}`);
    if (m.type === 'fs') out.push(`mount.fstype=${m.fstype ?? ''}`, `mount.fssrc=${m.fsSource ?? m.fstype ?? ''}`, ...(m.replace ? ['mount.replace=1'] : []));
    out.push(`mount.dst=${m.target}`);
    for (const o of m.opts) out.push(`mount.opt=${o}`);
    for (const d of m.data) out.push(`mount.${m.type === 'fs' ? 'fsdata' : 'data'}=${d}`);
  }
  if (readonlyRoot) out.push('mount.rootro=1');
  return out;
}
