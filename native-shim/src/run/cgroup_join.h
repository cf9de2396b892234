/* cgroup_join.h - put the container init into its cgroup(s). */
#ifndef MINIBOX_CGROUP_JOIN_H
#define MINIBOX_CGROUP_JOIN_H

#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"

/* Write pid to <dir>/cgroup.procs for every v2 dir (done by the parent
 * while the child still waits on the sync pipe). */
int cgroup_join(const mb_strv *dirs, pid_t pid, mb_error *err);

/* The calling process, which must be single-threaded, moves itself into
 * every v1 dir (its `tasks` file); see cgroup_join.c for why.  Together with
 * cgroup_join(dirs, own pid) it joins them all. */
int cgroup_join_self(const mb_strv *dirs, mb_error *err);

#endif
