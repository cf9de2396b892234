/* rlimits.h - the container's resource limits (--ulimit, Docker's default
 * nofile), set with setrlimit in the child before the user switch and
 * execve, so they are inherited by the program.  Records arrive as
 * "rlimit=RLIMIT_NOFILE:SOFT:HARD" (-1 = unlimited), see runopts.h. */
#ifndef MINIBOX_RLIMITS_H
#define MINIBOX_RLIMITS_H

#include <sys/types.h>

#include "common/error.h"
#include "config/runopts.h"

int rlimits_apply(const mb_runopts *o, mb_error *err);

/* The same limits on process pid (0: ourselves), by prlimit(2): the
 * parent's way for an init in a user namespace (run/userns.h). */
int rlimits_apply_to(const mb_runopts *o, pid_t pid, mb_error *err);

#endif
