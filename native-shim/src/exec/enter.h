/* enter.h - "minibox-shim exec": run a program inside a running container.
 *
 * Config on fd 3 (config/config.h wire format): pid=<container init host pid>,
 * cgroup= (repeated, joined first), arg= (repeated), env= (the complete
 * environment), cwd=, user=name|uid[:group|gid], groupadd= (the container's
 * --group-add, added to the user's groups as for its init), tty=1, stdin=1.
 * First the shim re-executes itself from a sealed memfd copy (security/cloned_binary.h)
 * and becomes non-dumpable; then it opens /proc/<pid>/ns/{ipc,uts,net,pid,
 * cgroup,mnt}, joins the cgroups, setns() into each (mnt last: it also moves
 * us to the container's /), resolves the user there (run/user.h), and forks,
 * since the PID namespace only applies to children.  The child closes every
 * fd above stdio before it enters the cwd.  Without a tty, stdio are pipes
 * relayed by monitor/forward.c.  Reports on fd 4 as
 * run does: pid, error, exit.  Exit status is the program's (126/127 for
 * exec failures, 125 for setup). */
#ifndef MINIBOX_ENTER_H
#define MINIBOX_ENTER_H

#include "config/config.h"

int enter_run(const mb_config *cfg);

/* The "exec" row of main.c: config from fd 3, then enter_run(). */
int enter_cmd(int argc, char **argv);

#endif
