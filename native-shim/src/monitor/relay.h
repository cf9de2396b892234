/* relay.h - foreground -t/-it: copy between the caller's terminal and the
 * pty master, raw mode on the caller's tty (-i), window size on SIGWINCH. */
#ifndef MINIBOX_RELAY_H
#define MINIBOX_RELAY_H

#include <sys/types.h>

/* Relay until pid exits (signals from sfd forwarded to it); returns its
 * status.  The caller's terminal is restored on return. */
int relay_until_exit(pid_t pid, int sfd, int master, int with_stdin);

#endif
