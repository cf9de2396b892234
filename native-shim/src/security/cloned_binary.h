/* cloned_binary.h - never be the host's minibox-shim inside a container.
 *
 * `minibox-shim exec` joins a running container's namespaces; a process
 * there that can open /proc/<pid>/exe of ours must not reach the host's
 * binary (CVE-2019-5736: overwrite it, and the next run executes the
 * attacker's code as root).  So exec first re-executes itself from a
 * sealed memfd copy of /proc/self/exe: the container can at most see that
 * anonymous copy, which the seals make immutable.  Same name as crun's. */
#ifndef MINIBOX_CLONED_BINARY_H
#define MINIBOX_CLONED_BINARY_H

#include "common/error.h"

/* Already running from the sealed copy: 0.  Otherwise make the copy and
 * fexecve() it with the same argv and environment, so this only returns on
 * failure: -1 with err filled.  Fds without FD_CLOEXEC carry over (the
 * config pipe); the keep[] ones are made to (the report pipe, which
 * report_init marked close-on-exec: the copy's report_init marks it
 * again). */
int cloned_binary_ensure(char **argv, const int *keep, size_t nkeep,
                         mb_error *err);

#endif
