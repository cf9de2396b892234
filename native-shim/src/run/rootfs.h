/* rootfs.h - the container's mount namespace: overlay, /proc, /sys, pivot. */
#ifndef MINIBOX_ROOTFS_H
#define MINIBOX_ROOTFS_H

#include "common/error.h"
#include "config/config.h"

/* Stop mount events from propagating back to the host (and vice versa). */
int rootfs_make_private(mb_error *err);

/* The same for a container init, or, for a slave or shared
 * linux.rootfsPropagation (MS_* flags; 0: none), slave of the host. */
int rootfs_isolate(unsigned long propagation, mb_error *err);

/* Mount the overlay of cfg->lowers/upper/work on cfg->rootfs. */
int rootfs_mount_overlay(const mb_config *cfg, mb_error *err);

/* /proc and /sys (read-only unless writable) inside the unpivoted rootfs. */
int rootfs_mount_proc(const char *rootfs, mb_error *err);
int rootfs_mount_sys(const char *rootfs, int writable, mb_error *err);

/* Make rootfs the new "/" and drop every trace of the old root. */
int rootfs_pivot(const char *rootfs, mb_error *err);

#endif
