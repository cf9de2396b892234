/* foreground.h - `minibox-shim run` without detach=1: the shim Node
 * spawned is the container's monitor for as long as the container runs. */
#ifndef MINIBOX_FOREGROUND_H
#define MINIBOX_FOREGROUND_H

#include "config/config.h"

/* Start the container described by cfg, forward signals to it (or relay
 * its pty, tty=1) and wait for it.  Reports on fd 4 and returns the shim's
 * exit status: the container's (code or 128+signal), or 125/126/127 if it
 * never started. */
int foreground_run(const mb_config *cfg);

#endif
