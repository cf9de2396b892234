/* cgroupfs.h - the container's own view of its cgroup at /sys/fs/cgroup. */
#ifndef MINIBOX_CGROUPFS_H
#define MINIBOX_CGROUPFS_H

#include "common/error.h"

/* spec is NULL (nothing), "v2", or "v1:memory cpu,cpuacct pids" (hierarchies
 * separated by spaces, each named by its controllers as the host mounts them).
 * Mounted read-only inside the cgroup namespace, so the container sees its own
 * cgroup as the root and can read its limits, as under Docker. */
int cgroupfs_mount(const char *rootfs, const char *spec, mb_error *err);

#endif
