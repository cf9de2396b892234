/* daemon.h - run -d: the shim forks the container's monitor into its own
 * session and returns.  Protocol on fd 4 (towards Node), in order:
 *   monitor <pid>   the monitor process (Node records it and its start time)
 *   pid <pid>       the container init (from start_container, run/start.h)
 *   started         the program was exec'd; fd 4 is closed right after
 * or "error CODE MSG".  The monitor then logs the container's output to
 * log= (json-file), records started.json / exit.json in statedir= (see
 * record.h), serves <statedir>/attach.sock to `minibox attach` (attach.h),
 * restarts per restart=, and removes the cgroups at the end. */
#ifndef MINIBOX_DAEMON_H
#define MINIBOX_DAEMON_H

#include "config/config.h"

/* In the shim Node spawned: fork the monitor; returns 0 (or an error code
 * after reporting). */
int daemon_run(const mb_config *cfg);

#endif
