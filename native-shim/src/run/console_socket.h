/* console_socket.h - runc's --console-socket: the pty master handed to the
 * caller (conmon, containerd's shim, go-runc's console) over a unix socket
 * it listens on, as one SCM_RIGHTS message carrying exactly one fd, with
 * the pty's name ("/dev/pts/N") as the data. */
#ifndef MINIBOX_CONSOLE_SOCKET_H
#define MINIBOX_CONSOLE_SOCKET_H

#include "common/error.h"

/* Connect to path: the socket (close-on-exec), or -1 with err.  Done
 * before joining a container's mount namespace, where path means
 * something else. */
int console_socket_connect(const char *path, mb_error *err);

/* Send master with its name over the connected socket s; the caller
 * still closes both.  0, or -1 with err. */
int console_socket_send(int s, int master, mb_error *err);

#endif
