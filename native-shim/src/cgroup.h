/* cgroup.h - put the container init into its cgroup(s). */
#ifndef MINIBOX_CGROUP_H
#define MINIBOX_CGROUP_H

#include <sys/types.h>

#include "config.h"
#include "error.h"

/* Write pid to <dir>/cgroup.procs for every dir (done by the parent while
 * the child still waits on the sync pipe). */
int cgroup_join(const mb_strv *dirs, pid_t pid, mb_error *err);

#endif
