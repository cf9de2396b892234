/* oci_start.h - the OCI runtime's create/start split (minibox-runtime).
 *
 * With execfifo=<path> (runopts.h) the container init does all of its
 * setup (namespaces, cgroups, mounts, /proc, /dev, pivot_root, hostname,
 * cwd, rlimits), then stops before confinement and the execve until the
 * runtime's `start`:
 *
 * over one socketpair (the child's end is the fd childio.c keeps open
 * besides the error pipe, so execfifo takes no tty=1 yet):
 *   child -> parent  one byte "ready" = set up, now waiting
 *   parent -> child  one byte "go" = execve now; EOF = give up
 *
 * The parent (the detached monitor) reports "created" on fd 4 once the
 * child is ready, hands fd 4 back (Node's create returns), then opens
 * execfifo for reading and waits for one byte from `start`, which opens
 * it O_WRONLY|O_NONBLOCK: ENXIO there means no monitor holds it (no
 * created container).  The child dying meanwhile (kill of a created
 * container) ends the wait; the error pipe then tells the rest.
 * Without execfifo every call here is a no-op: minibox's own run path.
 *
 * With nomonitor=1 as well (what runc does, and what conmon and
 * containerd's shim expect: the init re-parented to them, no monitor in
 * between), the shim makes exec.fifo and opens it O_PATH before clone; the
 * init, set up, clears its parent-death signal, checks that its program
 * exists, says "ready" and blocks in open(/proc/self/fd/N, O_WRONLY) until
 * `start` opens the fifo for reading, runs the startContainer hooks, writes
 * one byte and goes on.  The shim reports the pid once ready and exits
 * (run/oci_direct.h). */
#ifndef MINIBOX_OCI_START_H
#define MINIBOX_OCI_START_H

#include "common/error.h"
#include "config/config.h"

/* Parent, before clone: the two pipes (the child inherits them). */
int oci_start_prepare(const mb_config *cfg, mb_error *err);

/* Child, first thing: close the parent's ends. */
void oci_start_child_init(const mb_config *cfg);

/* Child: the fd to keep open through childio_setup, or -1. */
int oci_start_child_fd(void);

/* Child: nomonitor's O_PATH fd of exec.fifo to keep open too, or -1. */
int oci_start_child_fifo(void);

/* Parent, after oci_start_hold: 1 when the nomonitor init said ready. */
int oci_start_ready(void);

/* Child, set up and before confinement: say ready, wait for go. */
int oci_start_child_wait(const mb_config *cfg, mb_error *err);

/* Child, after the startContainer hooks: nomonitor's byte on exec.fifo
 * that lets `start` return (and run poststart); a no-op otherwise. */
int oci_start_child_release(mb_error *err);

/* Parent, after the sync byte: wait for ready (or the child's failure on
 * err_rd), report "created", wait for `start` (or the child's end), then
 * release the child.  0, or -1 with err (the caller kills the child).
 * nomonitor: only the wait for ready; 1 when it came (the error pipe stays
 * open in the child then: not to be read), else 0. */
int oci_start_hold(const mb_config *cfg, int err_rd, mb_error *err);

#endif
