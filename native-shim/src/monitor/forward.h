/* forward.h - without a tty: pass the monitor's signals on to the
 * container process until it exits (the tty variant is relay.h). */
#ifndef MINIBOX_FORWARD_H
#define MINIBOX_FORWARD_H

#include <sys/types.h>

/* Forward the signals read from sfd (signals_open_fd) to pid until it
 * exits; its status code (code, or 128+signal). */
int forward_until_exit(pid_t pid, int sfd);

#endif
