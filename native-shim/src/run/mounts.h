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

/* The mounts of m, in order, on top of the rootfs at rootfs (bind and
 * tmpfs entries; an OCI bundle's list goes through run/oci_mounts.h). */
int mounts_apply(const char *rootfs, const mb_mount_config *m, mb_error *err);

/* One bind or tmpfs entry, rootfd an O_PATH fd of the rootfs. */
int mounts_apply_one(int rootfd, const mb_user_mount *m, mb_error *err);

/* O_PATH fd of target resolved inside rootfd, the missing components
 * created (the last one an empty file when as_file); -1 with err set. */
int mounts_resolve_target(int rootfd, const char *target, int as_file,
                          mb_error *err);

/* --read-only: the root mount itself read-only (its submounts, /proc,
 * /dev, the volumes and /etc/hosts keep their own flags). */
int mounts_readonly_root(const char *rootfs, const mb_mount_config *m,
                         mb_error *err);

#endif
