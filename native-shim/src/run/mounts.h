/* mounts.h - the container's own mounts (-v, --mount, --tmpfs) and
 * --read-only, made in the new mount namespace before pivot_root.
 *
 * Every target is resolved inside the rootfs as if it were "/" (openat2
 * RESOLVE_IN_ROOT, like crun's chroot_realpath): an image symlink such as
 * /data -> /etc or up -> ../../.. lands inside the container, never on
 * the host.  Missing components are created inside, and the mount is made
 * onto /proc/self/fd/N of the resolved O_PATH descriptor, so no path is
 * walked again between resolving and mounting. */
#ifndef MINIBOX_MOUNTS_H
#define MINIBOX_MOUNTS_H

#include "common/error.h"
#include "config/mountconfig.h"

/* The mounts of m, in order, on top of the rootfs at rootfs. */
int mounts_apply(const char *rootfs, const mb_mount_config *m, mb_error *err);

/* --read-only: the root mount itself read-only (its submounts, /proc,
 * /dev, the volumes and /etc/hosts keep their own flags). */
int mounts_readonly_root(const char *rootfs, const mb_mount_config *m,
                         mb_error *err);

#endif
