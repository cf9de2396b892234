/* oci_mounts.h - an OCI bundle's config.json "mounts", in order, at any
 * destination (minibox-runtime; config/mountconfig.h "mount=fs").
 *
 * Bind and tmpfs entries are run/mounts.h's.  A filesystem entry (proc,
 * sysfs, mqueue, devpts, tmpfs with any options, cgroup, cgroup2, or any
 * other type the kernel knows) is mounted with its type, source, flags and
 * data at its destination, resolved inside the rootfs like a bind target
 * (no symlink leads out of it) and created when missing.
 *
 * The shim makes /proc, /dev (with its nodes), /dev/pts, /dev/shm,
 * /dev/mqueue, /sys and /sys/fs/cgroup itself before these; an entry marked
 * "replace" (translate.ts: the bundle lists one of them with its usual
 * type) makes that mount over as the bundle says:
 *   proc, sysfs      remounted with the entry's flags (and data): the same
 *                    result as a fresh mount, and /sys keeps what the shim
 *                    put under it (its cgroup view; under a user namespace
 *                    it is the host's /sys, bound: run/userns.h)
 *   devpts, tmpfs, mqueue  the shim's detached, a fresh one mounted
 *   cgroup, cgroup2  the shim's view detached and mounted again with the
 *                    entry's flags
 *
 * "cgroup" at any destination is runc's cgroupfs view of a v1 host: a tmpfs
 * with one directory per controller hierarchy, each a cgroup mount of the
 * container's own cgroup (we are in our cgroup namespace by now), exactly
 * what run/cgroupfs.h makes at /sys/fs/cgroup; on a v2 host, cgroup2.
 * "cgroup2" is the unified hierarchy, rooted at the container's cgroup. */
#ifndef MINIBOX_OCI_MOUNTS_H
#define MINIBOX_OCI_MOUNTS_H

#include "common/error.h"
#include "config/config.h"

/* cfg->mounts, in order, on top of cfg->rootfs (before pivot_root). */
int oci_mounts_apply(const mb_config *cfg, mb_error *err);

#endif
