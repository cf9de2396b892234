/* preserve_fds.h - minibox-runtime's --preserve-fds N (runc's): the
 * caller's fds 3..3+N-1 become the container process's fds 3..3+N-1.
 *
 * Node cannot give them to us at 3.. (config and report sit at 3 and 4),
 * so they arrive at from..from+N-1 (preservefds=<from>:<n>, runopts.h),
 * stay open through the child's close of inherited fds (childio.c), and
 * are moved to 3.. once the init is past `start` and its hooks, before
 * confinement (a seccomp profile may forbid dup2).  The error pipe, the one
 * fd of ours the init still needs then, is lifted above both ranges before
 * clone, so neither it nor they are overwritten.  LISTEN_FDS is not set:
 * runc does not set it for this either.  With n = 0 every call is a no-op. */
#ifndef MINIBOX_PRESERVE_FDS_H
#define MINIBOX_PRESERVE_FDS_H

#include "common/error.h"
#include "config/runopts.h"

/* Parent, before clone: *fd moved (close-on-exec) above 3+n and the
 * arriving range; 0, or -1 with err. */
int preserve_fds_lift(const mb_runopts *o, int *fd, mb_error *err);

/* Child: is fd one of the arriving range (to keep open)? */
int preserve_fds_keeps(const mb_runopts *o, int fd);

/* Child, just before confinement: the range onto 3..3+n-1, inheritable,
 * what is left of it above closed.  0, or -1 with err. */
int preserve_fds_place(const mb_runopts *o, mb_error *err);

#endif
