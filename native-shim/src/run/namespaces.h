/* namespaces.h - create the container init in fresh namespaces. */
#ifndef MINIBOX_NAMESPACES_H
#define MINIBOX_NAMESPACES_H

#include <sched.h>
#include <sys/types.h>

#include "common/error.h"

/* Namespaces the container init starts in.  The cgroup namespace is NOT
 * here: the child unshares it itself, after the parent moved it into its
 * cgroup, so that the namespace root is the container's own cgroup. */
#define MB_CLONE_NAMESPACES \
    (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC)

/* clone() fn(arg) on its own stack into the namespaces in flags (normally
 * MB_CLONE_NAMESPACES); returns the host pid or -1. */
pid_t ns_clone(int (*fn)(void *), void *arg, int flags, mb_error *err);

/* The same, with CLONE_PIDFD: *pidfd is the child's pidfd (run/userns.c
 * sends it from a process whose pids are not the caller's). */
pid_t ns_clone_pidfd(int (*fn)(void *), void *arg, int flags, int *pidfd,
                     mb_error *err);

#endif
