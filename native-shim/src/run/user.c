/* user.c - see user.h. */
#include "run/user.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cfg's env plus HOME=home at the end: what getenv() in the program sees. */
static int with_home(const mb_strv *env, const char *home, mb_strv *out,
                     mb_error *err)
{
    size_t size = strlen(home) + sizeof("HOME=");
    char **items = malloc((env->len + 2) * sizeof(*items));
    char *entry = malloc(size);

    if (items == NULL || entry == NULL) {
        free(items);
        free(entry);
        return mb_error_errno(err, "environment");
    }
    snprintf(entry, size, "HOME=%s", home);
    if (env->len > 0)
        memcpy(items, env->items, env->len * sizeof(*items));
    items[env->len] = entry;
    items[env->len + 1] = NULL;
    out->items = items;
    out->len = out->cap = env->len + 1;
    return 0;
}

int user_prepare(const mb_config *cfg, int notfound_code, mb_user *u,
                 mb_strv *env, mb_error *err)
{
    const char *spec = cfg->opts.user;
    int needs_home = config_getenv(&cfg->env, "HOME") == NULL;

    *env = cfg->env;
    if (spec != NULL && spec[0] != '\0') {
        if (userdb_resolve(spec, notfound_code, u, err) < 0)
            return -1;
    } else if (userdb_resolve("0", notfound_code, u, err) < 0) {
        /* Root needs no passwd entry: an unreadable one only costs HOME. */
        memset(u, 0, sizeof(*u));
        snprintf(u->home, sizeof(u->home), "/");
    }
    if (cfg->opts.groupadd != NULL
        && userdb_add_groups(cfg->opts.groupadd, notfound_code, u, err) < 0)
        return -1;
    return needs_home ? with_home(&cfg->env, u->home, env, err) : 0;
}
