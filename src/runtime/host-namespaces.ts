import { MiniboxError } from '../util/errors.js';

/**
 * Namespaces a bundle may leave out of linux.namespaces: the container then shares the
 * runtime's own (runc's behaviour; podman --pid=host, --ipc=host, --uts=host). The shim
 * clones without them (oci.hostns records, native-shim/src/config/ociconfig.h); the init is
 * then not pid 1 and its /proc shows the host's processes, as under runc. kill, state and
 * delete use host pids and the cgroup's processes either way.
 */
export const HOST_SHARABLE = ['pid', 'ipc', 'uts'] as const;

/**
 * A mount namespace is not optional. Without one runc chroot()s instead of pivot_root and makes
 * every mount of the container in the caller's mount namespace, where they stay after it; the
 * shim builds the container's root in a namespace of its own only.
 */
export const NO_MOUNT_NAMESPACE =
  'config.json: linux.namespaces has no mount namespace: minibox-runtime builds the container\'s mounts and pivot_root in a mount namespace of its own and does not mount into the host\'s (runc would chroot and leave the mounts on the host) (add {"type":"mount"} to linux.namespaces)';

/** runc's sysctls of the IPC namespace (validate.sysctl), besides fs.mqueue.*. */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** sysctl names with '/' as separator in dotted form (sysctl.d(5)), as runc compares them. */
function dotted(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === '.') return key;
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** runc's refusals for what needs a namespace the container shares with the host. */
export function checkHostSharing(shared: ReadonlySet<string>, hostname: string, domainname: unknown, sysctl: Record<string, string> | undefined): void {
  if (shared.has('uts')) {
    if (hostname !== '') throw new MiniboxError('config.json: unable to set hostname without a private UTS namespace (remove "hostname" or add {"type":"uts"} to linux.namespaces)', 1);
    if (typeof domainname === 'string' && domainname !== '') throw new MiniboxError('config.json: unable to set domainname without a private UTS namespace (remove "domainname" or add {"type":"uts"} to linux.namespaces)', 1);
  }
  for (const raw of Object.keys(sysctl ?? {})) {
    const key = dotted(raw);
    if (shared.has('ipc') && (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.'))) throw new MiniboxError(`config.json: sysctl "${key}" is not allowed in the hosts ipc namespace`, 1);
    if (shared.has('uts') && (key === 'kernel.hostname' || key === 'kernel.domainname')) throw new MiniboxError(`config.json: sysctl "${key}" is not in a separate kernel namespace`, 1);
  }
}
