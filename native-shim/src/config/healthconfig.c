/* healthconfig.c - the "health.*" keys (see healthconfig.h). */
#include "config/healthconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A non-negative decimal (a zero interval/timeout/retries is refused by
 * the caller's min). */
static int number(long *slot, long min, const char *key, const char *value,
                  mb_error *err)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < min)
        return mb_error_detail(err, MB_EXIT_SETUP, "config",
                               "%s must be a number >= %ld", key, min);
    *slot = v;
    return 0;
}

int healthconfig_apply(mb_health_config *h, const char *key, char *value,
                       mb_error *err)
{
    if (strcmp(key, "health.arg") == 0) {
        if (h->nargs >= MB_HEALTH_MAXARGS)
            return mb_error_detail(err, MB_EXIT_SETUP, "config",
                                   "too many health.arg records");
        h->args[h->nargs++] = value;
        h->args[h->nargs] = NULL;
        return 0;
    }
    if (strcmp(key, "health.interval_ms") == 0)
        return number(&h->interval_ms, 1, key, value, err);
    if (strcmp(key, "health.timeout_ms") == 0)
        return number(&h->timeout_ms, 1, key, value, err);
    if (strcmp(key, "health.start_ms") == 0)
        return number(&h->start_ms, 0, key, value, err);
    if (strcmp(key, "health.retries") == 0)
        return number(&h->retries, 1, key, value, err);
    return mb_error_detail(err, MB_EXIT_SETUP, "config", "unknown key %s", key);
}
