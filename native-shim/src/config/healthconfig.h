/* healthconfig.h - the "health.*" keys of the fd 3 config: the container's
 * health check, run by the detached monitor (monitor/health.h).
 *
 *   health.arg=      repeated: the check's argv (CMD-SHELL arrives as
 *                    /bin/sh -c CMD, already expanded by Node)
 *   health.interval_ms= health.timeout_ms= health.start_ms= health.retries=
 *
 * No health.arg: no check (Docker's NONE, or none configured). */
#ifndef MINIBOX_HEALTHCONFIG_H
#define MINIBOX_HEALTHCONFIG_H

#include "common/error.h"

#define MB_HEALTH_MAXARGS 64

typedef struct mb_health_config {
    char *args[MB_HEALTH_MAXARGS + 1]; /* NULL-terminated; args[0] NULL: off */
    int nargs;
    long interval_ms; /* 0: Docker's defaults (30 s, 30 s, 0, 3), health.c */
    long timeout_ms;
    long start_ms;
    long retries;
} mb_health_config;

/* Apply one "health.*" record: 0, or -1 with err filled. */
int healthconfig_apply(mb_health_config *h, const char *key, char *value,
                       mb_error *err);

#endif
