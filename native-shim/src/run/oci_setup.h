/* oci_setup.h - the steps of an OCI bundle's config.json that minibox's
 * own run path never asks for (config/ociconfig.h keys), at the points of
 * a start where the runtime spec puts them.  With no oci.* keys each is a
 * no-op.
 *
 *   parent  oci_clone_flags         before clone: namespaces with a path
 *                                   and shared ones (oci.hostns) are
 *                                   left out of the clone (pid is
 *                                   joined here: setns(CLONE_NEWPID) only
 *                                   moves the children)
 *           oci_parent_before_release  the init exists, not yet released:
 *                                   prestart and createRuntime hooks
 *   child   oci_child_join          after its own cgroup namespace: the
 *                                   other namespaces with a path, then
 *                                   the domain name
 *           oci_child_before_pivot  createContainer hooks
 *           oci_child_after_pivot   linux.rootfsPropagation on "/"
 *           oci_child_before_exec   after `start`: umask, oom_score_adj,
 *                                   startContainer hooks
 */
#ifndef MINIBOX_OCI_SETUP_H
#define MINIBOX_OCI_SETUP_H

#include <sys/types.h>

#include "common/error.h"
#include "config/config.h"

int oci_clone_flags(const mb_config *cfg, int flags, mb_error *err);
int oci_parent_before_release(const mb_config *cfg, pid_t pid, mb_error *err);
int oci_child_join(const mb_config *cfg, mb_error *err);
int oci_child_before_pivot(const mb_config *cfg, mb_error *err);
int oci_child_after_pivot(const mb_config *cfg, mb_error *err);
int oci_child_before_exec(const mb_config *cfg, mb_error *err);

#endif
