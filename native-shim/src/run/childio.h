/* childio.h - the container's stdio: pipes the monitor relays to the
 * caller's fds (foreground) or logs (detached), or a pty (tty=1).
 *
 * The pty is the container's own, as runc and crun make it: the init (or
 * exec's child) opens /dev/pts/ptmx of the container's devpts instance
 * (newinstance, run/devices.c) once it sees the container's root, makes the
 * slave its stdio and controlling terminal, and passes the master to the
 * parent over a socketpair (SCM_RIGHTS).  So `tty` inside says /dev/pts/N,
 * and the container never holds a host pty; the parent uses the master as
 * before (relay.c, daemon.c). */
#ifndef MINIBOX_CHILDIO_H
#define MINIBOX_CHILDIO_H

#include <sys/types.h>

#include "run/child.h"

/* The monitor's ends; -1 when unused. */
typedef struct mb_parentio {
    int out;    /* container stdout pipe, read end */
    int err;    /* container stderr pipe, read end */
    int master; /* pty master (tty=1), once childio_receive_master got it */
    int in;     /* write end of the container's stdin pipe (-i): relayed
                   from our stdin (foreground), held open (-di) */
    int pty_sock; /* tty=1: our end of the socketpair the master comes on */
} mb_parentio;

/* Before clone: create what the mode needs, fill ctx->io/ctty and p.
 * Not detached, the pty starts with the size of our stdin's terminal. */
int childio_prepare(const mb_runopts *o, int detached, mb_child_ctx *ctx,
                    mb_parentio *p, mb_error *err);

/* After clone, in the parent: close the child's ends. */
void childio_close_child(mb_child_ctx *ctx);

/* Close the parent's ends. */
void childio_close_parent(mb_parentio *p);

/* In the child: a new session, dup2 ctx->io onto 0-2, then every other fd
 * closed except ctx->err_wr and ctx->pty_sock: what the child needs later
 * it opens itself. */
int childio_setup(const mb_child_ctx *ctx, mb_error *err);

/* In the child, where "/" is the container's root (after pivot_root, or
 * setns into its mount namespace): with ctx->ctty, the pty as above; the
 * master is sent and closed here.  No-op without ctty. */
int childio_open_pty(const mb_child_ctx *ctx, mb_error *err);

/* In the run init after childio_open_pty: the slave bound over
 * /dev/console, as Docker (runc) gives a container with a terminal.  No-op
 * without ctty. */
int childio_bind_console(const mb_child_ctx *ctx, mb_error *err);

/* In the child before the user switch: the pty slave on stdio becomes the
 * user's (runc's fixStdioPermissions).  No-op without ctty. */
int childio_chown_tty(const mb_child_ctx *ctx, uid_t uid, gid_t gid,
                      mb_error *err);

/* In the parent once the child's execve() worked: take the master into
 * ctx->parent->master.  0 without ctty. */
int childio_receive_master(mb_child_ctx *ctx, mb_error *err);

#endif
