/* cgroup_remove.h - the detached monitor removes the container's cgroups
 * once the container is gone for good (Node is not around to do it; after
 * foreground runs, failed starts and `rm` the TypeScript side does:
 * src/linux/cgroups/files.ts, removeDir). */
#ifndef MINIBOX_CGROUP_REMOVE_H
#define MINIBOX_CGROUP_REMOVE_H

#include "config/config.h"

/* One policy with files.ts (same names, same values): rmdir is tried up to
 * CGROUP_RMDIR_TRIES times, CGROUP_RMDIR_INTERVAL_MS apart, while it fails
 * with EBUSY (the kernel refuses until the cgroup's last task is reaped,
 * milliseconds after the exit; ~3 s covers a loaded host and a fork bomb
 * dying in the qemu v2 lane, where 2 s once did not). */
#define CGROUP_RMDIR_TRIES 300
#define CGROUP_RMDIR_INTERVAL_MS 10

/* rmdir each dir (retrying EBUSY as above), then its parent ("…/minibox")
 * if that became empty.  Best effort: what is left, `rm` removes. */
void cgroup_remove_all(const mb_strv *dirs);

#endif
