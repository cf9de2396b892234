/* confine.h - the container process's confinement around the user switch,
 * in runc's order (native-shim/README.md):
 *     confine_before_user   seccomp (without no-new-privs: it needs
 *                           CAP_SYS_ADMIN), bounding set, PR_SET_KEEPCAPS
 *     ... setgroups/setgid/setuid (run/user.c) ...
 *     confine_after_user    KEEPCAPS off, capset, ambient, no_new_privs,
 *                           seccomp (with no-new-privs: as late as possible)
 * Both are no-ops for what the config does not ask for. */
#ifndef MINIBOX_CONFINE_H
#define MINIBOX_CONFINE_H

#include "common/error.h"
#include "config/security.h"

int confine_before_user(const mb_security *s, mb_error *err);
int confine_after_user(const mb_security *s, mb_error *err);

#endif
