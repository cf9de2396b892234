/* wait.h - a child's wait status as the exit code minibox reports. */
#ifndef MINIBOX_WAIT_H
#define MINIBOX_WAIT_H

#include <sys/types.h>

/* The shell convention docker run follows: the exit code, or 128 + signal. */
int wait_status_code(int status);

/* waitpid(pid) retrying EINTR; its status code, or 125 if it cannot be
 * waited for. */
int wait_reap(pid_t pid);

#endif
