/* execve.h - replace the container init with the user's program. */
#ifndef MINIBOX_EXECVE_H
#define MINIBOX_EXECVE_H

#include "common/error.h"
#include "config/config.h"

/* Resolve arg[0] against the container's PATH and execve() it with exactly
 * cfg->env.  Only returns on failure, with a Docker-like 126/127 error. */
int exec_container(const mb_config *cfg, mb_error *err);

/* The same lookup without the execve (runc's LookPath before exec.fifo):
 * 0 when arg[0] exists, else that 127 error. */
int exec_check(const mb_config *cfg, mb_error *err);

#endif
