/* monitor.h - the shim's parent side of "run". */
#ifndef MINIBOX_MONITOR_H
#define MINIBOX_MONITOR_H

#include <sys/types.h>

#include "child.h"
#include "config.h"

/* Start the container described by cfg, forward signals to it and wait
 * for it.  Reports on fd 4 and returns the shim's exit status: the
 * container's (code or 128+signal), or 125/126/127 if it never started. */
int monitor_run(const mb_config *cfg);

/* Clone the container init (stdio from ctx->io, see childio.h), join its
 * cgroups, release it and learn whether its execve() worked.  0 with *pid
 * set, or the exit code of a failure that was already reported. */
int monitor_start(const mb_config *cfg, mb_child_ctx *ctx, pid_t *pid);

/* Forward the monitor's signals (sfd) to pid until it exits; its status. */
int forward_until_exit(pid_t pid, int sfd);

/* The child's one-line failure from the error pipe: 1 with line/code set, 0
 * when the pipe closed empty (execve worked). */
int monitor_read_verdict(int fd, char *line, size_t size, int *code);

#endif
