/* restart.c - see restart.h. */
#include "monitor/restart.h"

#include <stdlib.h>
#include <string.h>

#include "monitor/record.h"

/* Max retries of on-failure[:N]; 0 = unlimited, -1 = not on-failure. */
static long on_failure_max(const char *policy)
{
    char *end;
    long n;

    if (strcmp(policy, "on-failure") == 0)
        return 0;
    if (strncmp(policy, "on-failure:", 11) != 0)
        return -1;
    n = strtol(policy + 11, &end, 10);
    if (*end != '\0' || end == policy + 11 || n < 0)
        return -1;
    return n;
}

int restart_validate(const char *policy, mb_error *err)
{
    if (policy == NULL || strcmp(policy, "no") == 0
        || strcmp(policy, "always") == 0
        || strcmp(policy, "unless-stopped") == 0
        || on_failure_max(policy) >= 0)
        return 0;
    return mb_error_detail(err, MB_EXIT_SETUP, "config",
                           "invalid restart policy %s", policy);
}

int restart_wanted(const char *policy, int code, int restarts,
                   const char *statedir)
{
    long max;

    if (policy == NULL || strcmp(policy, "no") == 0)
        return 0;
    if (record_stopped(statedir))
        return 0;
    if (strcmp(policy, "always") == 0 || strcmp(policy, "unless-stopped") == 0)
        return 1;
    max = on_failure_max(policy);
    return code != 0 && (max == 0 || restarts < max);
}

long restart_delay_ms(int restarts)
{
    long ms = 100;

    while (restarts-- > 0 && ms < 60000)
        ms *= 2;
    return ms < 60000 ? ms : 60000;
}
