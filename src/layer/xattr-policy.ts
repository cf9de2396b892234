/**
 * Which extended attributes from a layer's PAX records are applied. A layer is untrusted
 * input, and some xattrs are not file content but instructions to the kernel:
 *  - `trusted.overlay.*` (opaque, redirect, origin, metacopy, ...) would forge overlayfs
 *    whiteouts and redirects: a layer could hide or re-point files of the layers below
 *    it; `user.overlay.*` too, which overlayfs reads under its `userxattr` option
 *    (minibox does not use it, so this is for later). minibox sets `trusted.overlay.opaque` itself, for OCI
 *    `.wh..wh..opq` entries only (apply.ts).
 *  - other `trusted.*` belong to privileged host software; `security.*` other than
 *    `security.capability` are LSM labels (SELinux, SMACK, IMA/EVM signatures) that only
 *    the host's policy may assign.
 * Kept, as Docker keeps them: the rest of `user.*` (plain data), `security.capability` (file
 * capabilities, e.g. ping's cap_net_raw: a container's capability bounding set still
 * limits them), and the POSIX ACLs `system.posix_acl_access` / `_default` (permission
 * bits in another form, unreachable from outside since the store is 0700).
 * Everything else is dropped with a warning, counted in the extraction's `skipped`.
 */
const KEEP_EXACT = new Set(['security.capability', 'system.posix_acl_access', 'system.posix_acl_default']);

export function xattrAllowed(name: string): boolean {
  if (name.startsWith('user.')) return !name.startsWith('user.overlay.');
  return KEEP_EXACT.has(name);
}

/**
 * The allowed subset of `xattrs` (the same Map when nothing is dropped, undefined when
 * nothing is left); `dropped` gets each refused name.
 */
export function filterXattrs(
  xattrs: Map<string, Buffer>,
  dropped: (name: string) => void,
): Map<string, Buffer> | undefined {
  let out: Map<string, Buffer> | undefined = xattrs;
  for (const name of xattrs.keys()) {
    if (xattrAllowed(name)) continue;
    if (out === xattrs) out = new Map(xattrs);
    out?.delete(name);
    dropped(name);
  }
  return out !== undefined && out.size > 0 ? out : undefined;
}
