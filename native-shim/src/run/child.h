/* child.h - the container init before it execs the user's program. */
#ifndef MINIBOX_CHILD_H
#define MINIBOX_CHILD_H

#include <sys/ioctl.h>

#include "config/config.h"

struct mb_parentio;

/* What the parent hands to the cloned child.  Both pipes are O_CLOEXEC:
 *   sync:  parent -> child, one byte = "cgroups joined, go ahead";
 *          EOF = the parent died, give up.
 *   errp:  child -> parent, one failure line; EOF without data = the
 *          execve() succeeded (the close-on-exec closed our end); the
 *          line format is run/errpipe.h. */
typedef struct mb_child_ctx {
    const mb_config *cfg;
    int sync_rd, sync_wr;
    int err_rd, err_wr;
    int io[3]; /* container stdio when > 2 (pipes, or /dev/null until the
                  pty exists), see childio.h */
    int ctty;  /* tty=1: open a pty in the container's own devpts, make
                  its slave our stdio and controlling terminal, and send the
                  master to the parent over pty_sock (childio_open_pty) */
    int pty_sock;      /* the child's end of that socketpair, or -1 */
    struct winsize ws; /* the pty's first size (ws_set): the caller's */
    int ws_set;
    struct mb_parentio *parent; /* parent: where the master goes */
    int netns; /* parent: the container's netns held open (nshold), or -1 */
} mb_child_ctx;

/* clone() entry point; never returns normally (execs or _exits). */
int child_main(void *arg);

#endif
