/* cgroup_remove.h - the detached monitor removes the container's cgroups
 * once the container is gone for good (Node is not around to do it). */
#ifndef MINIBOX_CGROUP_REMOVE_H
#define MINIBOX_CGROUP_REMOVE_H

#include "config.h"

/* rmdir each dir (retrying EBUSY while the kernel reaps), then its parent
 * ("…/minibox") if that became empty.  Best effort. */
void cgroup_remove_all(const mb_strv *dirs);

#endif
