/* cgroupfs.h - the container's own view of its cgroup at /sys/fs/cgroup. */
#ifndef MINIBOX_CGROUPFS_H
#define MINIBOX_CGROUPFS_H

#include "common/error.h"

/* spec is NULL (nothing), "v2", or "v1:memory cpu,cpuacct pids" (hierarchies
 * separated by spaces, each named by its controllers as the host mounts them).
 * Mounted read-only inside the cgroup namespace, so the container sees its own
 * cgroup as the root and can read its limits, as under Docker. */
int cgroupfs_mount(const char *rootfs, const char *spec, mb_error *err);

/* The same view at base (a path on the host side, already resolved inside
 * the rootfs), each cgroup mount with flags (MS_RDONLY...): an OCI
 * bundle's cgroup mount at any destination (run/oci_mounts.h). */
int cgroupfs_mount_at(const char *base, const char *spec, unsigned long flags,
                      mb_error *err);

#endif
