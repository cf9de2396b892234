/* start.h - the parent's side of starting a container, shared by the
 * foreground run (monitor/foreground.c) and the detached monitor
 * (monitor/daemon.c). */
#ifndef MINIBOX_START_H
#define MINIBOX_START_H

#include <sys/types.h>

#include "config/config.h"
#include "run/child.h"

/* Clone the container init (stdio from ctx->io, see childio.h), join its
 * v2 cgroups, set up the host side of its network, release it and learn
 * whether its execve() worked.  0 with *pid set, or the exit code of a
 * failure that was already reported (the child is gone then). */
int start_container(const mb_config *cfg, mb_child_ctx *ctx, pid_t *pid);

#endif
