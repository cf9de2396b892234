/* autoremove.h - run -d --rm: once the detached monitor is done with the
 * container (exit recorded, cgroups removed), hand the rest of the removal
 * (network records, published ports, the state dir) to a short-lived
 * `minibox rm` run, the same code that `rm` uses: the network teardown
 * lives in Node, and minibox keeps one implementation of it. */
#ifndef MINIBOX_AUTOREMOVE_H
#define MINIBOX_AUTOREMOVE_H

#include "config/runopts.h"

/* Fork a child that waits until this monitor has exited (so `rm` does not
 * see it alive) and then execs the autoremove.arg argv.  No-op without
 * autoremove args.  Never fails the monitor: the record stays for `rm`. */
void autoremove_after_exit(const mb_runopts *o);

#endif
