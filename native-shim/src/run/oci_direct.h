/* oci_direct.h - minibox-runtime's create without a monitor (nomonitor=1
 * with execfifo=, run/oci_start.h): as runc does it, and as conmon and
 * containerd's shim expect.  The shim sets up and clones the init, whose
 * stdio is the shim's own (the caller's fds, passed on as given) or, with
 * tty=1, a pty of the container's devpts whose master goes to
 * consolesocket= (run/console_socket.h).  Once the init is ready and
 * waiting on exec.fifo the shim reports its pid and exits: the init is
 * re-parented to the caller (a subreaper), which reaps it. */
#ifndef MINIBOX_OCI_DIRECT_H
#define MINIBOX_OCI_DIRECT_H

#include "config/config.h"
#include "run/child.h"
#include "run/childio.h"

/* The whole of `run` in this mode: 0 once the init is held, else the
 * code of the failure that was reported. */
int oci_direct_run(const mb_config *cfg);

/* ctx/p for stdio that is the shim's own 0-2 (no pty), or with tty=1 the
 * pty's socketpair (childio_prepare, no initial size).  Shared with
 * exec -d (exec/enter.c). */
int oci_direct_stdio(const mb_runopts *o, mb_child_ctx *ctx,
                     mb_parentio *p, mb_error *err);

/* tty=1: connect to consolesocket= now (before any setns); else no-op. */
int oci_direct_console_connect(const mb_runopts *o, mb_error *err);

/* tty=1: the master (p->master) over that connection, then both closed. */
int oci_direct_console(const mb_runopts *o, mb_parentio *p, mb_error *err);

#endif
