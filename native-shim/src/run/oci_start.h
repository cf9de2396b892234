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
 * Without execfifo every call here is a no-op: minibox's own run path. */
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

/* Child, set up and before confinement: say ready, wait for go. */
int oci_start_child_wait(const mb_config *cfg, mb_error *err);

/* Parent, after the sync byte: wait for ready (or the child's failure on
 * err_rd), report "created", wait for `start` (or the child's end), then
 * release the child.  0, or -1 with err (the caller kills the child). */
int oci_start_hold(const mb_config *cfg, int err_rd, mb_error *err);

#endif
