/* signals.h - which signals the shim forwards, and cleaning up the signal
 * state before the container program starts. */
#ifndef MINIBOX_SIGNALS_H
#define MINIBOX_SIGNALS_H

#include <signal.h>
#include <sys/types.h>

#include "common/error.h"

/* The forwarded signals plus SIGCHLD: everything the monitor reads from
 * its signalfd. */
void signals_monitor_set(sigset_t *set);

int signals_is_forwarded(int sig);

/* Block the monitor set (before clone, so nothing is lost) and ignore
 * SIGPIPE (a vanished report reader must not kill the shim). */
int signals_block(mb_error *err);

/* signals_block() plus a signalfd (O_CLOEXEC) reading the monitor set:
 * the fd, or -1 with err filled.  What every monitor (foreground, detached,
 * exec) listens on. */
int signals_open_fd(mb_error *err);

/* Read one signal from a monitor's signalfd: a forwarded one is passed to
 * pid; SIGCHLD reaps pid if it exited (SIGCHLDs coalesce, so waitpid is
 * asked rather than si trusted).  1 when pid exited (*code its exit code,
 * 128+signal), else 0. */
int signals_handle_one(int sfd, pid_t pid, int *code);

/* In the child: every handler back to SIG_DFL, nothing blocked. */
int signals_reset(mb_error *err);

#endif
