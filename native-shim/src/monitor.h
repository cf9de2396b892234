/* monitor.h - the shim's parent side of "run". */
#ifndef MINIBOX_MONITOR_H
#define MINIBOX_MONITOR_H

#include "config.h"

/* Start the container described by cfg, forward signals to it and wait
 * for it.  Reports on fd 4 and returns the shim's exit status: the
 * container's (code or 128+signal), or 125/126/127 if it never started. */
int monitor_run(const mb_config *cfg);

#endif
