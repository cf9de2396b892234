/* restart.h - Docker's restart policies, carried out by the monitor:
 * no | always | unless-stopped | on-failure[:N]. */
#ifndef MINIBOX_RESTART_H
#define MINIBOX_RESTART_H

#include "common/error.h"

int restart_validate(const char *policy, mb_error *err);

/* Should a container that exited with code, after `restarts` restarts, be
 * started again?  Never once the stopped marker exists. */
int restart_wanted(const char *policy, int code, int restarts,
                   const char *statedir);

/* Docker's back-off: 100 ms doubling, at most 1 minute. */
long restart_delay_ms(int restarts);

#endif
