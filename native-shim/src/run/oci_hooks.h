/* oci_hooks.h - an OCI bundle's hooks that the shim runs (runtime-spec
 * config.md "POSIX-platform Hooks"); poststart and poststop are the
 * runtime's own (src/runtime/hooks.ts).
 *
 * Each hook is forked and execve'd with its args and env, the container's
 * state JSON on stdin (ociconfig.h oci.state.*), and killed when its
 * timeout passes.  A hook that fails, is killed or times out fails the
 * operation: the caller reports the error and the container is not made.
 *   prestart, createRuntime  the parent, in the runtime's namespaces,
 *                            once the init's namespaces exist
 *   createContainer          the init, in the container's mount namespace
 *                            before pivot_root (the path is the host's)
 *   startContainer           the init after `start`, just before the
 *                            program's execve (the path is the container's)
 */
#ifndef MINIBOX_OCI_HOOKS_H
#define MINIBOX_OCI_HOOKS_H

#include <sys/types.h>

#include "common/error.h"
#include "config/ociconfig.h"

/* Run every hook of kind, in order; status is the state's "status". */
int oci_hooks_run(const mb_oci_config *o, mb_hook_kind kind, pid_t pid,
                  const char *status, mb_error *err);

#endif
