/* attach.h - the detached monitor's side of `minibox attach` (protocol in
 * attach_proto.h): it listens on <statedir>/attach.sock for the monitor's
 * whole life, sends every attached client the container's live output (the
 * json log keeps getting all of it, attach or not), and takes their stdin,
 * window size and proxied signals.  At most ATTACH_MAX_CLIENTS at once; a
 * client that cannot take output at once is disconnected, so no client can
 * ever slow the container or the log.  Input is written non-blocking: a
 * container that does not read its stdin stalls only the clients' input. */
#ifndef MINIBOX_ATTACH_H
#define MINIBOX_ATTACH_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "monitor/attach_proto.h"
#include "run/childio.h"

#define ATTACH_MAX_CLIENTS 8
/* pollfds attach_poll fills: the listener, the input target, the clients. */
#define ATTACH_POLL_MAX (2 + ATTACH_MAX_CLIENTS)

typedef struct mb_attach {
    int dirfd;     /* the state dir, O_PATH: names the socket (sun_path is
                      too short for a state root's paths) */
    int listen_fd; /* -1: attach unavailable, the container runs anyway */
    int clients[ATTACH_MAX_CLIENTS]; /* -1 = free */
    int reading[ATTACH_MAX_CLIENTS]; /* the client's stdin is still open */
    unsigned char flags; /* ATTACH_F_* of the current run */
    int target;    /* where input goes (pty master or stdin pipe), or -1 */
    int master;    /* where window sizes go, or -1 */
    pid_t pid;     /* where proxied signals go, 0 between runs */
    size_t in_off, in_len; /* input the target did not take yet */
    char in_buf[ATTACH_DATA_MAX];
} mb_attach;

/* Listen on <statedir>/attach.sock (0600); best effort: on failure the
 * monitor goes on without attach (listen_fd -1). */
void attach_open(mb_attach *a, const char *statedir);

/* A run started: its pid, pty/stdin (input only with stdin_open, as
 * Docker attaches stdin only to a container run with -i). */
void attach_run(mb_attach *a, const mb_parentio *io, int stdin_open,
                pid_t pid);

/* Fill p (ATTACH_POLL_MAX entries); attach_handle reads the same p. */
void attach_poll(const mb_attach *a, struct pollfd *p);
void attach_handle(mb_attach *a, const struct pollfd *p);

/* Live output (type ATTACH_STDOUT or ATTACH_STDERR) to every client. */
void attach_output(mb_attach *a, char type, const char *data, size_t n);

/* The run ended with code: every client gets ATTACH_EXIT and is closed. */
void attach_exit(mb_attach *a, int code);

/* The monitor is done: the socket goes. */
void attach_close(mb_attach *a);

#endif
