/* rlimits.h - the container's resource limits (--ulimit, Docker's default
 * nofile), set with setrlimit in the child before the user switch and
 * execve, so they are inherited by the program.  Records arrive as
 * "rlimit=RLIMIT_NOFILE:SOFT:HARD" (-1 = unlimited), see runopts.h. */
#ifndef MINIBOX_RLIMITS_H
#define MINIBOX_RLIMITS_H

#include "common/error.h"
#include "config/runopts.h"

int rlimits_apply(const mb_runopts *o, mb_error *err);

#endif
