/* nshold.h - keep a foreground container's network namespace past its exit.
 *
 * A network namespace dies when its last process does, and the kernel then
 * unregisters its veth on its own, in a batch of its own (each batch waits
 * ~25-45 ms on RCU).  Holding the namespace past the exit lets the CLI
 * delete the veth and an idle bridge in ONE batch instead (link-del in
 * net/netcmd.c), roughly halving the teardown of a --rm run.  The config
 * key nshold=<fd> (config/runopts.h) asks for it; a failure only loses the
 * speed-up. */
#ifndef MINIBOX_NSHOLD_H
#define MINIBOX_NSHOLD_H

#include <sys/types.h>

/* Open pid's netns when nshold is set: the fd, or -1 (not asked, failed).
 * Called before the child is released, so even `true` cannot beat it. */
int nshold_open(const char *nshold, pid_t pid);

/* After "exit" was reported: wait for EOF on the nshold fd (the CLI closes
 * it when its teardown is done, or dies), then close netns. */
void nshold_release(const char *nshold, int netns);

#endif
