/* childio.h - the container's stdio: pipes the monitor relays to the
 * caller's fds (foreground) or logs (detached), or a pty (tty=1). */
#ifndef MINIBOX_CHILDIO_H
#define MINIBOX_CHILDIO_H

#include "run/child.h"

/* The monitor's ends; -1 when unused. */
typedef struct mb_parentio {
    int out;    /* container stdout pipe, read end */
    int err;    /* container stderr pipe, read end */
    int master; /* pty master (tty=1) */
    int in;     /* write end of the container's stdin pipe (-i): relayed
                   from our stdin (foreground), held open (-di) */
} mb_parentio;

/* Before clone: create what the mode needs, fill ctx->io/ctty and p. */
int childio_prepare(const mb_runopts *o, int detached, mb_child_ctx *ctx,
                    mb_parentio *p, mb_error *err);

/* After clone, in the parent: close the child's ends. */
void childio_close_child(mb_child_ctx *ctx);

/* Close the parent's ends. */
void childio_close_parent(mb_parentio *p);

/* In the child: a new session (+ the pty as controlling tty when ctty),
 * dup2 onto 0-2, then every other fd closed except ctx->err_wr: what the
 * child needs later it opens itself. */
int childio_setup(const mb_child_ctx *ctx, mb_error *err);

#endif
