/* forward.h - without a tty: relay the container's stdio pipes to and from
 * the caller's fds and pass the monitor's signals on to the container
 * process until it exits (the tty variant is relay.h). */
#ifndef MINIBOX_FORWARD_H
#define MINIBOX_FORWARD_H

#include <sys/types.h>

#include "run/childio.h"

/* Relay io (childio_prepare's pipes: out, err, and in with -i) between
 * the container and our fds 0-2, and forward the signals read from sfd
 * (signals_open_fd) to pid until it exits and its output is drained (EOF
 * on both pipes, or a second without data: something in the container
 * still holds them).  Returns its status code (code, or 128+signal);
 * the pipes in io are closed. */
int forward_until_exit(pid_t pid, int sfd, mb_parentio *io);

#endif
