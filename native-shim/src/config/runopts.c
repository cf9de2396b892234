/* runopts.c - the run-mode keys of the fd 3 config (see runopts.h). */
#include "config/runopts.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static int flag(int *slot, const char *key, const char *value, mb_error *err)
{
    if (strcmp(value, "1") != 0 && strcmp(value, "0") != 0)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s must be 0 or 1", key);
    *slot = value[0] == '1';
    return 0;
}

/* preservefds=<from>:<n>: the fds the runtime passed us past its own
 * (from >= 5: above config and report), n of them. */
static int preserve_fds(mb_runopts *o, const char *value, mb_error *err)
{
    char *end;
    long from = strtol(value, &end, 10), n;

    if (end == value || *end != ':')
        goto bad;
    value = end + 1;
    n = strtol(value, &end, 10);
    if (end == value || *end != '\0' || from < 5 || n < 0 || n > 1024)
        goto bad;
    o->preserve_from = (int)from;
    o->preserve_n = (int)n;
    return 0;
bad:
    return mb_error_detail(err, MB_EXIT_SETUP, "config",
                           "preservefds must be <from>:<n>");
}

int runopts_apply(mb_runopts *o, const char *key, char *value, mb_error *err)
{
    if (strcmp(key, "detach") == 0)
        return flag(&o->detach, key, value, err);
    if (strcmp(key, "tty") == 0)
        return flag(&o->tty, key, value, err);
    if (strcmp(key, "init") == 0)
        return flag(&o->init, key, value, err);
    if (strcmp(key, "stdin") == 0)
        return flag(&o->stdin_open, key, value, err);
    if (strcmp(key, "log") == 0)
        return config_set_once(&o->log, key, value, err);
    if (strcmp(key, "statedir") == 0)
        return config_set_once(&o->statedir, key, value, err);
    if (strcmp(key, "oom") == 0)
        return config_set_once(&o->oom, key, value, err);
    if (strcmp(key, "restart") == 0)
        return config_set_once(&o->restart, key, value, err);
    if (strcmp(key, "pid") == 0)
        return config_set_once(&o->pid, key, value, err);
    if (strcmp(key, "user") == 0)
        return config_set_once(&o->user, key, value, err);
    if (strcmp(key, "rlimit") == 0) {
        if (o->nrlimits == MB_RLIMITS_MAX)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "too many rlimit keys");
        o->rlimits[o->nrlimits++] = value;
        return 0;
    }
    if (strcmp(key, "sysctl") == 0) {
        if (o->nsysctls == MB_SYSCTLS_MAX)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "too many sysctl keys");
        o->sysctls[o->nsysctls++] = value;
        return 0;
    }
    if (strcmp(key, "shmsize") == 0)
        return config_set_once(&o->shmsize, key, value, err);
    if (strcmp(key, "groupadd") == 0)
        return config_set_once(&o->groupadd, key, value, err);
    if (strcmp(key, "autoremove.arg") == 0) {
        if (o->nautoremove == MB_AUTOREMOVE_MAX)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "too many autoremove.arg keys");
        o->autoremove[o->nautoremove++] = value;
        return 0;
    }
    if (strcmp(key, "execfifo") == 0)
        return config_set_once(&o->execfifo, key, value, err);
    if (strcmp(key, "plainroot") == 0)
        return flag(&o->plainroot, key, value, err);
    if (strcmp(key, "nomonitor") == 0)
        return flag(&o->nomonitor, key, value, err);
    if (strcmp(key, "consolesocket") == 0)
        return config_set_once(&o->consolesocket, key, value, err);
    if (strcmp(key, "nshold") == 0)
        return config_set_once(&o->nshold, key, value, err);
    if (strcmp(key, "preservefds") == 0)
        return preserve_fds(o, value, err);
    return mb_error_detail(err, MB_EXIT_SETUP, "config", "unknown key %s", key);
}
