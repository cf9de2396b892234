/* init.h - `run --init`: a tiny init as the container's PID 1 that forwards
 * signals to the command and reaps every zombie (what Docker's tini does).
 *
 * At exec time the container's PID 1 forks: the child (PID 2) goes on to
 * exec the command; the parent re-executes itself as `minibox-shim init
 * PID` from a sealed memfd copy of the shim (security/cloned_binary.h), so
 * PID 1 is never the host's binary (/proc/1/exe must not reach it:
 * CVE-2019-5736), with an empty environment (the host's must not show in
 * /proc/1/environ).  It runs under the container's user, capabilities and
 * seccomp filter, as Docker's docker-init does.  A copy bind-mounted into
 * the rootfs was the alternative; the memfd needs no path in the container
 * and cannot be written through. */
#ifndef MINIBOX_INIT_H
#define MINIBOX_INIT_H

#include "common/error.h"

/* Returns 0 in the child (which execs the command); the parent only
 * returns on failure (-1, err filled, the child killed). */
int init_fork(mb_error *err);

/* `minibox-shim init PID`: forward signals to PID, reap, exit with PID's
 * status (128+N when it died of signal N). */
int init_cmd(int argc, char **argv);

#endif
