/* exec.h - replace the container init with the user's program. */
#ifndef MINIBOX_EXEC_H
#define MINIBOX_EXEC_H

#include "config.h"
#include "error.h"

/* Resolve arg[0] against the container's PATH and execve() it with exactly
 * cfg->env.  Only returns on failure, with a Docker-like 126/127 error. */
int exec_container(const mb_config *cfg, mb_error *err);

#endif
