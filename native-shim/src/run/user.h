/* user.h - who the container's program runs as: the user key (image USER,
 * exec -u; root when absent) resolved in the container's own passwd and
 * group (common/userdb.h), and its environment with HOME from passwd when
 * the config's env has none (as runc does).  Used by run/child.c after
 * pivot_root and by exec/enter.c after setns into the mount namespace. */
#ifndef MINIBOX_USER_H
#define MINIBOX_USER_H

#include "common/userdb.h"
#include "config/config.h"

/* Fill u and env (env->items newly allocated when HOME was added, else
 * the config's).  An explicit user that cannot be resolved fails with
 * notfound_code; the implicit root falls back to uid 0 and HOME=/. */
int user_prepare(const mb_config *cfg, int notfound_code, mb_user *u,
                 mb_strv *env, mb_error *err);

#endif
